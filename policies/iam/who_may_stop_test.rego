package stopguard.iam.who_may_stop_test

import rego.v1

import data.stopguard.iam.who_may_stop
import data.stopguard.lib.iam

alice := "arn:aws:iam::111122223333:user/alice"

ops := "arn:aws:iam::111122223333:role/ops-stopper"

params(allowed) := {"allowed_stoppers": allowed}

grant(name, open) := {
	"policy": {"kind": "managed", "name": name, "arn": sprintf("arn:aws:iam::111122223333:policy/%s", [name])},
	"statement_index": 0, "effect": "Allow", "actions": ["ec2:StopInstances"], "not_action": false,
	"matched_actions": ["ec2:StopInstances"], "resources": ["*"], "not_resource": false,
	"conditions": open, "open_conditions": open,
}

access(arn, type, word, grants) := {
	"arn": arn, "type": type, "name": "x", "access": word, "grants": grants,
	"denials": [], "limits": [], "file": "iam.json",
}

# The input as the engine builds it, with its derived fields (lib/iam.rego).
inp(accesses) := {"iam": {"stop_access": [iam.derived_access(a) | some a in accesses], "stop_statements": []}}

test_allowed_stopper_passes if {
	count(who_may_stop.deny) == 0 with input as inp([access(ops, "role", "allowed", [grant("Stop", [])])])
		with data.params as params(["arn:aws:iam::*:role/ops-*"])
}

test_nobody_may_stop_passes if {
	count(who_may_stop.deny) == 0 with input as inp([]) with data.params as params([])
}

test_unlisted_principal_is_reported if {
	findings := who_may_stop.deny with input as inp([
		access(alice, "user", "allowed", [grant("Stop", [])]),
		access(ops, "role", "allowed", [grant("Stop", [])]),
	])
		with data.params as params(["arn:aws:iam::*:role/ops-*"])
	count(findings) == 1
	some f in findings
	f.resource == alice
	f.file == "iam.json"
	f.details.access == "allowed"
	f.details.policies == ["arn:aws:iam::111122223333:policy/Stop"]
	f.msg == "user arn:aws:iam::111122223333:user/alice may stop instances unconditionally but matches no allowed_stoppers pattern (granted by Stop)"
}

test_conditional_access_is_reported_with_conditions if {
	cond := {"operator": "StringEquals", "key": "aws:ResourceTag/Env", "values": ["dev"]}
	findings := who_may_stop.deny with input as inp([access(alice, "user", "conditional", [grant("TagStop", [cond])])])
		with data.params as params([])
	some f in findings
	f.resource == alice
	f.details.access == "conditional"
	f.details.open_conditions == ["aws:ResourceTag/Env StringEquals [dev]"]
	contains(f.msg, "may stop instances when aws:ResourceTag/Env StringEquals [dev]")
}

test_conditional_by_denial_and_limit if {
	a := object.union(access(ops, "role", "conditional", [grant("Stop", [])]), {
		"denials": [grant("DenyOutsideEu", [])],
		"limits": ["permissions boundary arn:aws:iam::111122223333:policy/b allows it only for some requests"],
	})
	findings := who_may_stop.deny with input as inp([a]) with data.params as params([])
	some f in findings
	contains(f.msg, "when no Deny in DenyOutsideEu applies, permissions boundary")
}

test_names_at_most_three_policies if {
	grants := [grant(n, []) | some n in ["A", "B", "C", "D", "E"]]
	findings := who_may_stop.deny with input as inp([access(alice, "user", "allowed", grants)])
		with data.params as params([])
	some f in findings
	endswith(f.msg, "(granted by A, B, C and 2 more)")
	count(f.details.policies) == 5
}

bob := "arn:aws:iam::111122223333:user/bob"

named := "arn:aws:iam::111122223333:role/named"

chained(arn, type, word, chain) := object.union(access(arn, type, word, [grant("stop", [])]), {"via": chain})

test_chained_access_names_the_role_and_the_chain if {
	findings := who_may_stop.deny with input as inp([chained(bob, "user", "allowed", [bob, named, ops])])
		with data.params as params(["arn:aws:iam::*:role/ops-*"])
	count(findings) == 1
	some f in findings
	f.resource == bob
	f.details.via == [bob, named, ops]
	f.msg == concat("", [
		"user arn:aws:iam::111122223333:user/bob may stop instances by assuming role ",
		"arn:aws:iam::111122223333:role/ops-stopper (chain: arn:aws:iam::111122223333:user/bob -> ",
		"arn:aws:iam::111122223333:role/named -> arn:aws:iam::111122223333:role/ops-stopper) ",
		"unconditionally but matches no allowed_stoppers pattern (granted by stop)",
	])
}

test_conditional_chained_access_names_the_chain_and_the_condition if {
	cond := {"operator": "StringEquals", "key": "aws:ResourceTag/Env", "values": ["dev"]}
	a := object.union(chained(named, "role", "conditional", [named, ops]), {"grants": [grant("TagStop", [cond])]})
	findings := who_may_stop.deny with input as inp([a]) with data.params as params([])
	some f in findings
	contains(f.msg, concat("", [
		"role arn:aws:iam::111122223333:role/named may stop instances by assuming role ",
		"arn:aws:iam::111122223333:role/ops-stopper (chain: arn:aws:iam::111122223333:role/named -> ",
		"arn:aws:iam::111122223333:role/ops-stopper) when aws:ResourceTag/Env StringEquals [dev], ",
	]))
}

test_chained_principal_that_is_itself_allowed_passes if {
	count(who_may_stop.deny) == 0 with input as inp([chained(bob, "user", "allowed", [bob, ops])])
		with data.params as params([bob])
}

# Being able to become an allowed stopper role does not make a principal allowed.
test_chained_principal_is_not_allowed_by_its_role if {
	findings := who_may_stop.deny with input as inp([
		chained(bob, "user", "allowed", [bob, ops]),
		access(ops, "role", "allowed", [grant("stop", [])]),
	])
		with data.params as params([ops])
	{f.resource | some f in findings} == {bob}
}

# The finding points where the access's `location` says: the first granting
# statement an input places (a policy file, a template), else the principal's file.
test_finding_points_at_the_first_placed_statement if {
	placed := object.union(grant("Placed", []), {"policy": {"kind": "file", "name": "stop.json", "file": "stop.json"}, "line": 4, "column": 5})
	findings := who_may_stop.deny with input as inp([access(alice, "user", "allowed", [grant("Stop", []), placed])])
		with data.params as params([])
	some f in findings
	f.file == "stop.json"
	f.line == 4
	f.column == 5
}
