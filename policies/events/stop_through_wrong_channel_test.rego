package stopguard.events.stop_through_wrong_channel_test

import rego.v1

import data.stopguard.events.stop_through_wrong_channel as rule

ev(console) := {
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": "StopInstances", "region": "us-east-1", "source_ip": "10.0.0.1", "user_agent": "aws-internal/3",
	"principal": "arn:aws:iam::111122223333:role/ops-oncall", "identity_type": "AssumedRole", "root": false,
	"mfa": true, "console": console, "error_code": null, "instance_ids": ["i-1"], "file": "a.json.gz", "record": 1,
}

test_console_stop_when_api_required if {
	findings := rule.deny with input as {"cloudtrail_events": [ev(true), ev(false)]} with data.params as {"stop_channel": "api"}
	count(findings) == 1
	some f in findings
	contains(f.msg, "through the console, while stop_channel is api")
	f.details.channel == "console"
}

test_api_stop_when_console_required if {
	findings := rule.deny with input as {"cloudtrail_events": [ev(true), ev(false)]} with data.params as {"stop_channel": "console"}
	count(findings) == 1
	some f in findings
	contains(f.msg, "through the API, while stop_channel is console")
}

test_any_turns_it_off if {
	count(rule.deny) == 0 with input as {"cloudtrail_events": [ev(true), ev(false)]} with data.params as {"stop_channel": "any"}
}
