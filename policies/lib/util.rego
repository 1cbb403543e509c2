# Small helpers every check uses to build its findings.
package stopguard.lib.util

import rego.v1

# A string that says something: not null, not absent, not "".
has_text(value) if {
	is_string(value)
	value != ""
}

# {"file": ...} when the object came from a named input file, {} otherwise;
# object.union it into a finding.
file_of(obj) := {"file": obj.file} if {
	has_text(obj.file)
} else := {}

# The first `limit` items of an array joined with ", ", then "and N more".
join_limited(items, limit) := concat(", ", items) if {
	count(items) <= limit
} else := sprintf("%s and %d more", [concat(", ", array.slice(items, 0, limit)), count(items) - limit])

# The input's account id, or null when the input does not say. Policies use this
# rather than passing `input` whole to a function, so that the engine can see
# which parts of the input they read (and leave the rest out of it).
default input_account_id := null

input_account_id := input.account_id

# The account as an object for account_resource/account_text.
input_account := {"account_id": input_account_id}

# The account the input is about, for account-wide findings.
account_resource(inp) := inp.account_id if {
	has_text(inp.account_id)
} else := "account"

# The account in words: "account 111122223333", or "the account" when unknown.
account_text(inp) := sprintf("account %s", [inp.account_id]) if {
	has_text(inp.account_id)
} else := "the account"
