package stopguard.iam.wildcard_grants_stop_test

import rego.v1

import data.stopguard.iam.wildcard_grants_stop as rule
import data.stopguard.lib.iam

policy := {"kind": "managed", "name": "Ops", "arn": "arn:aws:iam::111122223333:policy/Ops", "file": "iam.json"}

statement(actions, matched) := {
	"policy": policy, "statement_index": 0, "effect": "Allow",
	"actions": actions, "not_action": false, "matched_actions": matched,
	"resources": ["*"], "not_resource": false, "conditions": [], "open_conditions": [],
}

# The input as the engine builds it, with its derived fields (lib/iam.rego).
inp(statements) := {"iam": {"stop_access": [], "stop_statements": [iam.derived_statement(s) | some s in statements]}}

test_exact_action_passes if {
	count(rule.deny) == 0 with input as inp([statement(["ec2:StopInstances", "ec2:StartInstances"], ["ec2:StopInstances"])])
	count(rule.deny) == 0 with input as inp([statement(["EC2:stopinstances"], ["EC2:stopinstances"])])
}

test_service_wildcard_is_reported if {
	findings := rule.deny with input as inp([statement(["ec2:*"], ["ec2:*"])])
	count(findings) == 1
	some f in findings
	f.resource == "arn:aws:iam::111122223333:policy/Ops"
	f.file == "iam.json"
	f.details.wildcards == ["ec2:*"]
	f.msg == "Statement[0] of policy arn:aws:iam::111122223333:policy/Ops grants ec2:StopInstances through the wildcard action ec2:*"
}

test_several_wildcards_in_one_finding if {
	findings := rule.deny with input as inp([statement(["ec2:Stop*", "*", "ec2:StopInstances"], ["ec2:Stop*", "*", "ec2:StopInstances"])])
	count(findings) == 1
	some f in findings
	f.details.wildcards == ["*", "ec2:Stop*"]
	contains(f.msg, "wildcard action *, ec2:Stop*")
}

test_not_action_is_reported if {
	s := object.union(statement(["iam:*", "organizations:*"], []), {"not_action": true, "sid": "AllButIam"})
	findings := rule.deny with input as inp([s])
	count(findings) == 1
	some f in findings
	f.details.not_action == ["iam:*", "organizations:*"]
	contains(f.msg, "statement AllButIam")
	contains(f.msg, "by omission: NotAction [iam:*, organizations:*]")
}
