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

# {"line", "column"} of an object whose input says where it is written (templates,
# plans, policy files), {} otherwise.
position(obj) := {"line": obj.line, "column": obj.column} if {
	is_number(obj.line)
	is_number(obj.column)
} else := {}

# The file, line and column of an object, to union into a finding.
location(obj) := object.union(file_of(obj), position(obj))

# The location of a part of an object (an ingress rule of a group): the object's
# file, and the part's line and column (the object's when the part has none).
part_location(obj, part) := object.union(file_of(obj), position(part)) if {
	count(position(part)) > 0
} else := location(obj)

# The location of one property of an object (`obj.locations[field]`), falling back
# to the object's own.
field_location(obj, field) := object.union(file_of(obj), pos) if {
	pos := object.get(object.get(obj, "locations", {}), field, {})
	is_number(pos.line)
} else := location(obj)
