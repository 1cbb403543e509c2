package stopguard.events.stop_in_unexpected_region_test

import rego.v1

import data.stopguard.events.stop_in_unexpected_region as rule

ev(region) := {
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": "StopInstances", "region": region, "source_ip": "10.0.0.1", "user_agent": "aws-cli/2.15",
	"principal": "arn:aws:iam::111122223333:user/bob", "identity_type": "IAMUser", "root": false,
	"mfa": true, "console": false, "error_code": null, "instance_ids": ["i-1"], "file": "a.json.gz", "record": 1,
}

test_unlisted_region_is_reported if {
	findings := rule.deny with input as {"cloudtrail_events": [ev("ap-southeast-3")]} with data.params as {"allowed_regions": ["us-east-1", "eu-west-1"]}
	count(findings) == 1
	some f in findings
	contains(f.msg, "in region ap-southeast-3, which allowed_regions does not list")
}

test_listed_region_and_empty_list_pass if {
	count(rule.deny) == 0 with input as {"cloudtrail_events": [ev("eu-west-1")]} with data.params as {"allowed_regions": ["us-east-1", "eu-west-1"]}
	count(rule.deny) == 0 with input as {"cloudtrail_events": [ev("ap-southeast-3")]} with data.params as {"allowed_regions": []}
}
