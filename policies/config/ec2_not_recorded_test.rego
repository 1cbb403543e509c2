package stopguard.config.ec2_not_recorded_test

import rego.v1

import data.stopguard.config.ec2_not_recorded as rule

recorder(extra) := object.union(
	{
		"name": "default", "region": "eu-west-1", "all_supported": true,
		"resource_types": [], "excluded_resource_types": [], "recording": true,
	},
	extra,
)

inp(recorders) := {
	"account_id": "111122223333",
	"supplied": {"config_recorders": true},
	"ec2": {"instances": [{"id": "i-1", "region": "eu-west-1", "state": "running"}]},
	"config": {"recorders": recorders},
}

msg(recorders) := f.msg if {
	findings := rule.deny with input as inp(recorders)
	count(findings) == 1
	some f in findings
}

test_recording_all_types_passes if {
	count(rule.deny) == 0 with input as inp([recorder({})])
}

test_recording_ec2_instances_passes if {
	count(rule.deny) == 0 with input as inp([recorder({"all_supported": false, "resource_types": ["AWS::EC2::Instance"]})])
}

test_exclusion_strategy_without_ec2_passes if {
	count(rule.deny) == 0 with input as inp([recorder({"all_supported": false, "excluded_resource_types": ["AWS::S3::Bucket"]})])
}

test_no_recorder_is_reported if {
	msg([]) == "AWS Config in eu-west-1 has no configuration recorder"
}

test_recorder_in_another_region_does_not_count if {
	msg([recorder({"region": "us-east-1"})]) == "AWS Config in eu-west-1 has no configuration recorder"
}

test_recorder_without_ec2_is_reported if {
	msg([recorder({"all_supported": false, "resource_types": ["AWS::S3::Bucket"]})]) == "AWS Config in eu-west-1 recorder(s) default do not record AWS::EC2::Instance"
}

test_excluded_ec2_is_reported if {
	msg([recorder({"all_supported": false, "excluded_resource_types": ["AWS::EC2::Instance"]})]) == "AWS Config in eu-west-1 recorder(s) default do not record AWS::EC2::Instance"
}

test_stopped_recorder_is_reported if {
	msg([recorder({"recording": false})]) == "AWS Config in eu-west-1 recorder(s) default are not recording"
}

test_unknown_status_cannot_be_confirmed if {
	contains(msg([recorder({"recording": null})]), "could not be confirmed")
}

test_not_evaluated_without_recorders if {
	i := object.union(inp([]), {"supplied": {"config_recorders": false}})
	count(rule.deny) == 0 with input as i
}
