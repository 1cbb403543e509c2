package stopguard.events.failed_instance_call_test

import rego.v1

import data.stopguard.events.failed_instance_call as rule

ev(name, code) := {
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": name, "region": "us-east-1", "source_ip": "203.0.113.9", "user_agent": "python-requests/2.31",
	"principal": "arn:aws:iam::111122223333:user/intern", "identity_type": "IAMUser", "root": false,
	"mfa": false, "console": false, "error_code": code, "instance_ids": ["i-1"], "file": "a.json.gz", "record": 3,
}

test_refused_stop_is_reported if {
	findings := rule.deny with input as {"cloudtrail_events": [ev("StopInstances", "Client.UnauthorizedOperation")]}
	count(findings) == 1
	some f in findings
	contains(f.msg, "refused with Client.UnauthorizedOperation")
	f.details.error_code == "Client.UnauthorizedOperation"
}

test_other_failures_and_calls_pass if {
	inp := {"cloudtrail_events": [
		ev("StopInstances", null),
		ev("StopInstances", "IncorrectInstanceState"),
		ev("ListUsers", "AccessDenied"),
	]}
	count(rule.deny) == 0 with input as inp
}
