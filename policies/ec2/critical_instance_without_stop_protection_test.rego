package stopguard.ec2.critical_instance_without_stop_protection_test

import rego.v1

import data.stopguard.ec2.critical_instance_without_stop_protection as rule

params := {"critical_instance_tags": [{"key": "Environment", "value": "prod"}, {"key": "Critical", "value": "true"}]}

instance(tags, protection, state) := {
	"id": "i-0abc", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", "state": state,
	"region": "us-east-1", "tags": tags, "stop_protection": protection, "file": "instances.json",
}

inp(instances) := {"ec2": {"security_groups": [], "instances": instances}}

test_protected_critical_instance_passes if {
	count(rule.deny) == 0 with input as inp([instance({"Environment": "prod"}, true, "running")]) with data.params as params
}

test_unprotected_critical_instance_is_reported if {
	findings := rule.deny with input as inp([instance({"Environment": "Prod", "Name": "db"}, false, "running")])
		with data.params as params
	count(findings) == 1
	some f in findings
	f.resource == "i-0abc"
	f.file == "instances.json"
	f.details.critical_tags == ["Environment=Prod"]
	f.msg == "critical instance i-0abc (Environment=Prod) has stop protection disabled (DisableApiStop is false)"
}

test_unknown_protection_cannot_be_confirmed if {
	findings := rule.deny with input as inp([instance({"Critical": "TRUE"}, null, "stopped")]) with data.params as params
	some f in findings
	f.details.stop_protection == null
	contains(f.msg, "has no confirmed stop protection")
	contains(f.msg, "describe-instance-attribute")
}

test_absent_protection_cannot_be_confirmed if {
	i := object.remove(instance({"Critical": "true"}, null, "running"), ["stop_protection"])
	findings := rule.deny with input as inp([i]) with data.params as params
	some f in findings
	contains(f.msg, "has no confirmed stop protection")
}

test_non_critical_instance_passes if {
	count(rule.deny) == 0 with input as inp([instance({"Environment": "dev"}, false, "running")]) with data.params as params
	count(rule.deny) == 0 with input as inp([instance({"environment": "prod"}, false, "running")]) with data.params as params
	count(rule.deny) == 0 with input as inp([instance({}, null, "running")]) with data.params as params
}

test_terminated_instance_is_skipped if {
	count(rule.deny) == 0 with input as inp([instance({"Environment": "prod"}, false, "terminated")]) with data.params as params
}

test_two_critical_tags_one_finding if {
	findings := rule.deny with input as inp([instance({"Environment": "prod", "Critical": "true"}, false, "running")])
		with data.params as params
	count(findings) == 1
	some f in findings
	f.details.critical_tags == ["Critical=true", "Environment=prod"]
}

test_non_string_parameter_value_matches if {
	p := {"critical_instance_tags": [{"key": "Critical", "value": true}]}
	findings := rule.deny with input as inp([instance({"Critical": "True"}, false, "running")]) with data.params as p
	count(findings) == 1
}

test_unresolved_protection_in_a_template_says_so if {
	i := object.union(instance({"Environment": "prod"}, null, null), {
		"file": "stack.yaml", "line": 4, "column": 3,
		"unknown": {"stop_protection": "!If [IsProd, true, false]"},
		"locations": {"stop_protection": {"line": 9, "column": 7}},
	})
	findings := rule.deny with input as inp([i]) with data.params as params
	some f in findings
	f.msg == "critical instance i-0abc (Environment=prod) has stop protection that cannot be evaluated before deployment (DisableApiStop is !If [IsProd, true, false])"
	f.file == "stack.yaml"
	f.line == 9
	f.column == 7
}
