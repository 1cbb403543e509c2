package stopguard.events.stop_without_mfa_test

import rego.v1

import data.stopguard.events.stop_without_mfa as rule

ev(extra) := object.union({
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": "StopInstances", "region": "us-east-1", "source_ip": "203.0.113.9", "user_agent": "aws-cli/2.15",
	"principal": "arn:aws:iam::111122223333:user/bob", "identity_type": "IAMUser", "root": false,
	"mfa": false, "console": false, "error_code": null, "instance_ids": ["i-1"], "file": "a.json.gz", "record": 7,
}, extra)

params := {"mfa_exempt_principals": ["arn:aws:iam::*:user/ci-*"]}

test_stop_without_mfa_is_reported if {
	findings := rule.deny with input as {"cloudtrail_events": [ev({})]} with data.params as params
	count(findings) == 1
	some f in findings
	endswith(f.msg, "without MFA [event e1, record 7]")
	f.details.mfa == false
}

test_mfa_exempt_and_service_calls_pass if {
	inp := {"cloudtrail_events": [
		ev({"mfa": true}),
		ev({"principal": "arn:aws:iam::111122223333:user/ci-deployer"}),
		ev({"identity_type": "AWSService", "principal": "autoscaling.amazonaws.com"}),
		ev({"error_code": "UnauthorizedOperation"}),
	]}
	count(rule.deny) == 0 with input as inp with data.params as params
}
