package stopguard.iam.stop_on_all_instances_unconditional_test

import rego.v1

import data.stopguard.iam.stop_on_all_instances_unconditional as rule
import data.stopguard.lib.iam

managed := {"kind": "managed", "name": "StopAll", "arn": "arn:aws:iam::111122223333:policy/StopAll", "file": "iam.json"}

statement(policy, resources, conditions) := {
	"policy": policy, "statement_index": 1, "sid": "Stop", "effect": "Allow",
	"actions": ["ec2:StopInstances"], "not_action": false, "matched_actions": ["ec2:StopInstances"],
	"resources": resources, "not_resource": false, "conditions": conditions, "open_conditions": conditions,
}

# The input as the engine builds it, with its derived fields (lib/iam.rego).
inp(statements) := {"account_id": "111122223333", "iam": {"stop_access": [], "stop_statements": [iam.derived_statement(s) | some s in statements]}}

test_star_resource_without_condition_is_reported if {
	findings := rule.deny with input as inp([statement(managed, ["*"], [])])
	count(findings) == 1
	some f in findings
	f.resource == "arn:aws:iam::111122223333:policy/StopAll"
	f.file == "iam.json"
	f.details.sid == "Stop"
	f.msg == "statement Stop of policy arn:aws:iam::111122223333:policy/StopAll allows ec2:StopInstances on every instance (Resource *) with no condition"
}

test_instance_wildcard_arn_is_reported if {
	findings := rule.deny with input as inp([statement(managed, ["arn:aws:ec2:*:111122223333:instance/*"], [])])
	some f in findings
	f.details.resource == "arn:aws:ec2:*:111122223333:instance/*"
}

test_conditioned_statement_passes if {
	cond := {"operator": "StringEquals", "key": "ec2:ResourceTag/Team", "values": ["ops"]}
	count(rule.deny) == 0 with input as inp([statement(managed, ["*"], [cond])])
}

test_narrow_resource_passes if {
	count(rule.deny) == 0 with input as inp([statement(managed, ["arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"], [])])
	count(rule.deny) == 0 with input as inp([statement(managed, ["arn:aws:ec2:*:444455556666:instance/*"], [])])
}

test_not_resource_is_not_this_rule if {
	s := object.union(statement(managed, ["arn:aws:ec2:*:*:instance/i-0abc"], []), {"not_resource": true})
	count(rule.deny) == 0 with input as inp([s])
}

test_inline_policy_resource_is_owner_and_name if {
	inline := {"kind": "inline", "name": "stop-all", "via": "arn:aws:iam::111122223333:role/ops"}
	findings := rule.deny with input as inp([statement(inline, ["*"], [])])
	some f in findings
	f.resource == "arn:aws:iam::111122223333:role/ops#stop-all"
	not f.file
}

test_policy_file_has_file_and_line if {
	file := {"kind": "file", "name": "stop.json", "file": "policies/stop.json"}
	s := object.union(statement(file, ["*"], []), {"line": 12, "sid": null})
	findings := rule.deny with input as inp([s])
	some f in findings
	f.resource == "policies/stop.json"
	f.file == "policies/stop.json"
	f.line == 12
	startswith(f.msg, "Statement[1] of policy policies/stop.json")
}

test_one_finding_per_statement if {
	findings := rule.deny with input as inp([statement(managed, ["arn:aws:ec2:*", "*"], [])])
	count(findings) == 1
	some f in findings
	f.details.resource == "*"
}
