package stopguard.iac.unresolved_value_test

import rego.v1

import data.stopguard.iac.unresolved_value as rule

unknown(field, checks) := {
	"resource": "stack.yaml#WebSg", "field": field, "expression": "!Ref AdminCidr",
	"checks": checks, "file": "stack.yaml", "line": 12, "column": 11,
}

test_unresolved_source_is_reported_where_written if {
	findings := rule.deny with input as {"unknowns": [unknown("SecurityGroupIngress[0].CidrIp", ["SG-001", "SG-002"])]}
	count(findings) == 1
	some f in findings
	f.msg == "SecurityGroupIngress[0].CidrIp of stack.yaml#WebSg is !Ref AdminCidr, which cannot be known before deployment; SG-001, SG-002 could not be evaluated"
	f.resource == "stack.yaml#WebSg"
	f.file == "stack.yaml"
	f.line == 12
	f.column == 11
	f.details.checks == ["SG-001", "SG-002"]
}

test_position_is_optional if {
	u := object.remove(unknown("policy", []), ["line", "column"])
	findings := rule.deny with input as {"unknowns": [u]}
	some f in findings
	not f.line
	contains(f.msg, "no check could not be evaluated")
}

params := {"critical_instance_tags": [{"key": "Environment", "value": "prod"}]}

test_stop_protection_is_left_to_ec2_001 if {
	count(rule.deny) == 0 with input as {"unknowns": [unknown("DisableApiStop", ["EC2-001"])]} with data.params as params
	count(rule.deny) == 0 with input as {"unknowns": [unknown("disable_api_stop", ["EC2-001"])]} with data.params as params
	count(rule.deny) == 1 with input as {"unknowns": [unknown("Tags[0]", ["EC2-001"])]} with data.params as params
}

test_only_critical_tag_keys_matter if {
	count(rule.deny) == 1 with input as {"unknowns": [unknown("Tags.Environment", ["EC2-001"])]} with data.params as params
	count(rule.deny) == 0 with input as {"unknowns": [unknown("Tags.Name", ["EC2-001"])]} with data.params as params
}

test_no_unknowns_no_findings if {
	count(rule.deny) == 0 with input as {}
	count(rule.deny) == 0 with input as {"unknowns": []}
}
