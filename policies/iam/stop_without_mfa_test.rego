package stopguard.iam.stop_without_mfa_test

import rego.v1

import data.stopguard.iam.stop_without_mfa as rule
import data.stopguard.lib.iam

alice := "arn:aws:iam::111122223333:user/alice"

robot := "arn:aws:iam::111122223333:user/automation/nightly-stop"

grant := {"policy": {"kind": "inline", "name": "stop", "via": alice}, "statement_index": 0}

user(arn, mfa) := {"arn": arn, "type": "user", "name": "u", "access": "allowed", "grants": [grant], "denials": [], "limits": [], "mfa_required": mfa, "file": "iam.json"}

# The input as the engine builds it, with its derived fields (lib/iam.rego).
inp(accesses) := {"iam": {"stop_access": [iam.derived_access(a) | some a in accesses], "stop_statements": []}}

test_user_without_mfa_is_reported if {
	findings := rule.deny with input as inp([user(alice, false)]) with data.params as {"mfa_exempt_principals": []}
	count(findings) == 1
	some f in findings
	f.resource == alice
	f.file == "iam.json"
	f.msg == "user arn:aws:iam::111122223333:user/alice may stop instances without MFA (granted without an MFA condition by stop)"
	f.details.policies == ["arn:aws:iam::111122223333:user/alice#stop"]
}

test_user_with_mfa_passes if {
	count(rule.deny) == 0 with input as inp([user(alice, true)]) with data.params as {"mfa_exempt_principals": []}
}

test_exempt_user_passes if {
	count(rule.deny) == 0 with input as inp([user(robot, false)])
		with data.params as {"mfa_exempt_principals": ["arn:aws:iam::*:user/automation/*"]}
}

test_roles_are_not_checked if {
	role := {"arn": "arn:aws:iam::111122223333:role/ops", "type": "role", "name": "ops", "access": "allowed", "grants": [grant], "denials": [], "limits": []}
	count(rule.deny) == 0 with input as inp([role]) with data.params as {"mfa_exempt_principals": []}
}

mfa_grant := {
	"policy": {"kind": "managed", "name": "mfa-stop", "arn": "arn:aws:iam::111122223333:policy/mfa-stop"},
	"statement_index": 0,
	"conditions": [{"operator": "BoolIfExists", "key": "aws:MultiFactorAuthPresent", "values": ["true"]}],
}

test_names_the_grants_without_mfa_condition if {
	u := object.union(user(alice, false), {"grants": [grant, mfa_grant]})
	findings := rule.deny with input as inp([u]) with data.params as {"mfa_exempt_principals": []}
	some f in findings
	endswith(f.msg, "(granted without an MFA condition by stop)")
	f.details.policies == ["arn:aws:iam::111122223333:policy/mfa-stop", "arn:aws:iam::111122223333:user/alice#stop"]
}

test_falls_back_to_every_grant if {
	u := object.union(user(alice, false), {"grants": [mfa_grant]})
	findings := rule.deny with input as inp([u]) with data.params as {"mfa_exempt_principals": []}
	some f in findings
	endswith(f.msg, "(granted by mfa-stop)")
}

ops := "arn:aws:iam::111122223333:role/ops"

# A user that may stop instances only by assuming a role carries `via` and no
# `mfa_required`: the role's trust policy decides, not this rule.
test_users_reaching_the_action_through_a_role_are_skipped if {
	u := object.remove(object.union(user(alice, false), {"via": [alice, ops]}), {"mfa_required"})
	not "mfa_required" in object.keys(u)
	count(rule.deny) == 0 with input as inp([u]) with data.params as {"mfa_exempt_principals": []}
}

test_chained_users_are_skipped_even_if_marked_without_mfa if {
	u := object.union(user(alice, false), {"via": [alice, ops]})
	count(rule.deny) == 0 with input as inp([u]) with data.params as {"mfa_exempt_principals": []}
}

test_direct_user_without_the_field_is_not_reported if {
	u := object.remove(user(alice, false), {"mfa_required"})
	count(rule.deny) == 0 with input as inp([u]) with data.params as {"mfa_exempt_principals": []}
}
