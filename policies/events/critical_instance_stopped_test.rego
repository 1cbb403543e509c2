package stopguard.events.critical_instance_stopped_test

import rego.v1

import data.stopguard.events.critical_instance_stopped as rule

params := {"critical_instance_tags": [{"key": "Environment", "value": "prod"}]}

ev(name, ids, code) := {
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": name, "region": "us-east-1", "source_ip": "10.0.0.1", "user_agent": "aws-cli/2.15",
	"principal": "arn:aws:iam::111122223333:role/ops-oncall", "identity_type": "AssumedRole", "root": false,
	"mfa": true, "console": false, "error_code": code, "instance_ids": ids, "file": "a.json.gz", "record": 5,
}

instances := [
	{"id": "i-prod", "tags": {"Environment": "prod"}},
	{"id": "i-dev", "tags": {"Environment": "dev"}},
]

test_stop_of_critical_instance_is_reported if {
	inp := {"cloudtrail_events": [ev("StopInstances", ["i-dev", "i-prod"], null)], "ec2": {"instances": instances}}
	findings := rule.deny with input as inp with data.params as params
	count(findings) == 1
	some f in findings
	contains(f.msg, "hit critical instance i-prod (Environment=prod)")
	f.details.critical_instance == "i-prod"
}

test_terminate_counts_too if {
	inp := {"cloudtrail_events": [ev("TerminateInstances", ["i-prod"], null)], "ec2": {"instances": instances}}
	count(rule.deny) == 1 with input as inp with data.params as params
}

test_no_finding_without_critical_tag_data_or_success if {
	inp := {"cloudtrail_events": [
		ev("StopInstances", ["i-dev", "i-unknown"], null),
		ev("StopInstances", ["i-prod"], "UnauthorizedOperation"),
		ev("StartInstances", ["i-prod"], null),
	], "ec2": {"instances": instances}}
	count(rule.deny) == 0 with input as inp with data.params as params
}
