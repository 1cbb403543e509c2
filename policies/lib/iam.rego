# IAM helpers: ARN patterns, where a statement lives, how to name it.
package stopguard.lib.iam

import rego.v1

# The helpers below run once per finding or per statement of the IAM policies,
# thousands of times on a large account, so they test for text inline (is_string
# and != "") rather than call util.has_text: each function call costs regorus's
# VM about 5,000 instructions (benches/README.md).

# An IAM wildcard pattern (`*` and `?`, everything else literal) as a glob for
# glob.match: the glob metacharacters IAM treats as literal ([ ] { } \, as in
# "${aws:username}") are escaped.
as_glob(pattern) := replace(
	replace(replace(replace(replace(pattern, "\\", "\\\\"), "[", "\\["), "]", "\\]"), "{", "\\{"),
	"}", "\\}",
)

# The ARN matches the IAM wildcard pattern; with no delimiters, `*` crosses `/` and `:`.
arn_matches(pattern, arn) if glob.match(as_glob(pattern), null, arn)

# The ARN matches one of the patterns.
arn_matches_any(arn, patterns) if {
	some pattern in patterns
	arn_matches(pattern, arn)
}

# The principal is one the account owner allows to stop instances
# (data.params.allowed_stoppers). A principal is matched by its own ARN only,
# including one that reaches the action by assuming roles: the roles in its
# chain being allowed does not make it allowed. (A CloudTrail event's
# assumed-role session, arn:aws:sts::<account>:assumed-role/<role>/<session>, is
# judged by its role's ARN: the loader puts that ARN in the event's `principal`,
# so this function never sees session ARNs.)
is_allowed_stopper(arn) if {
	# arn_matches_any's loop, without its two calls: this runs for every principal.
	some pattern in data.params.allowed_stoppers
	glob.match(as_glob(pattern), null, arn)
}

# A stable identifier of the policy a statement lives in: its ARN, the owner's
# ARN plus the inline policy's name, or the policy file's name.
policy_id(policy) := policy.arn if {
	is_string(policy.arn)
	policy.arn != ""
} else := sprintf("%s#%s", [policy.via, policy.name]) if {
	is_string(policy.via)
	policy.via != ""
} else := policy.file if {
	is_string(policy.file)
	policy.file != ""
} else := policy.name

# How a message names a statement: its Sid, or its position in the Statement array.
statement_label(grant) := sprintf("statement %s", [grant.sid]) if {
	is_string(grant.sid)
	grant.sid != ""
} else := sprintf("Statement[%d]", [grant.statement_index])

# The file and line of a statement, to union into a finding.
location(grant) := object.union(file, line_of(grant)) if {
	is_string(grant.policy.file)
	grant.policy.file != ""
	file := {"file": grant.policy.file}
} else := line_of(grant)

line_of(grant) := object.union({"line": grant.line}, column_of(grant)) if {
	is_number(grant.line)
} else := {}

column_of(grant) := {"column": grant.column} if {
	is_number(grant.column)
} else := {}

# Where a principal's access comes from: its first granting statement that an input
# places (a template or a policy file), else the file the principal came from.
access_location(access) := location(placed[0]) if {
	placed := [g | some g in access.grants; is_number(g.line)]
	count(placed) > 0
} else := {"file": access.file} if {
	is_string(access.file)
	access.file != ""
} else := {}

# The distinct ids of the policies that grant an access, sorted.
access_policy_ids(access) := sort({policy_id(g.policy) | some g in access.grants})

# The distinct names of the policies that grant an access, sorted.
access_policy_names(access) := sort({g.policy.name | some g in access.grants})

# The open conditions of an access's grants in words (condition_text), distinct
# and sorted.
access_condition_texts(access) := sort({condition_text(c) |
	some g in access.grants
	some c in object.get(g, "open_conditions", [])
})

# The engine derives these fields while it builds the input, exactly as the
# helpers above compute them: a statement's `policy.id` (policy_id) and
# `location` (location); an access's `location` (access_location), `policy_ids`
# (access_policy_ids), `policy_names` (access_policy_names) and
# `condition_texts` (access_condition_texts). The built-in policies read those
# fields, which is much cheaper on regorus's VM than calling the helpers for
# every principal. A test that writes its input by hand completes it with these
# two functions.

# A statement with the fields the engine derives.
derived_statement(grant) := object.union(grant, {
	"policy": object.union(grant.policy, {"id": policy_id(grant.policy)}),
	"location": location(grant),
})

# An access with the fields the engine derives, in its grants and denials too.
derived_access(access) := object.union(access, {
	"grants": [derived_statement(g) | some g in access.grants],
	"denials": [derived_statement(g) | some g in object.get(access, "denials", [])],
	"location": access_location(access),
	"policy_ids": access_policy_ids(access),
	"policy_names": access_policy_names(access),
	"condition_texts": access_condition_texts(access),
})

# A condition in words: `aws:RequestedRegion StringEquals [eu-west-1]`.
condition_text(c) := sprintf("%s %s [%s]", [c.key, c.operator, concat(", ", c.values)])

# Does the Resource pattern cover every EC2 instance of the account?
#
# Exactly: does it match every ARN arn:aws:ec2:<region>:<account>:instance/i-<id>,
# whatever the region and id? It is decided by matching two probe ARNs whose
# region and id are runs of a character no real pattern contains ("~"), of two
# lengths: literal text in the pattern cannot match them, so only a `*` that
# may swallow anything (or, with both lengths, no fixed-length `?`) lets both
# through. The account is the input's, when known; otherwise the account the
# pattern names, when it names a literal one ("every instance of that
# account"); otherwise any account.
covers_every_instance(resource, account_id) if {
	account := probe_account(resource, account_id)
	pattern := as_glob(resource)
	every run in ["~", "~~~~~"] {
		glob.match(pattern, null, sprintf("arn:aws:ec2:%s:%s:instance/i-%s", [run, account, run]))
	}
}

probe_account(resource, account_id) := account_id if {
	is_string(account_id)
	account_id != ""
} else := account if {
	parts := split(resource, ":")
	account := parts[4]
	regex.match(`^[0-9]{12}$`, account)
} else := "~"
