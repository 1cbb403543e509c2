package stopguard.config.no_ec2_rules_test

import rego.v1

import data.stopguard.config.no_ec2_rules as rule

config_rule(extra) := object.union(
	{"name": "r", "region": "eu-west-1", "state": "ACTIVE", "owner": "AWS", "source_identifier": "S3_BUCKET_VERSIONING_ENABLED", "resource_types": []},
	extra,
)

inp(rules) := {
	"account_id": "111122223333",
	"supplied": {"config_rules": true},
	"ec2": {"instances": [{"id": "i-1", "region": "eu-west-1", "state": "running"}]},
	"config": {"rules": rules},
}

test_managed_ec2_rule_passes if {
	count(rule.deny) == 0 with input as inp([config_rule({"source_identifier": "EC2_STOPPED_INSTANCE"})])
}

test_listed_identifier_passes if {
	count(rule.deny) == 0 with input as inp([config_rule({"source_identifier": "APPROVED_AMIS_BY_ID"})])
}

test_scope_on_ec2_passes if {
	r := config_rule({"owner": "CUSTOM_LAMBDA", "source_identifier": "arn:aws:lambda:eu-west-1:111122223333:function:x", "resource_types": ["AWS::EC2::Instance"]})
	count(rule.deny) == 0 with input as inp([r])
}

test_no_ec2_rule_is_reported if {
	findings := rule.deny with input as inp([config_rule({})])
	count(findings) == 1
	some f in findings
	f.msg == "no active AWS Config rule evaluates EC2 resources in eu-west-1"
	f.resource == "111122223333/eu-west-1"
	f.details.rules == ["r"]
}

test_rule_being_deleted_does_not_count if {
	count(rule.deny) == 1 with input as inp([config_rule({"source_identifier": "EC2_STOPPED_INSTANCE", "state": "DELETING"})])
}

test_rule_in_another_region_does_not_count if {
	count(rule.deny) == 1 with input as inp([config_rule({"source_identifier": "EC2_STOPPED_INSTANCE", "region": "us-east-1"})])
}

test_not_evaluated_without_rules if {
	i := object.union(inp([]), {"supplied": {"config_rules": false}})
	count(rule.deny) == 0 with input as i
}
