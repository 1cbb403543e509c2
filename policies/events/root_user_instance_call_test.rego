package stopguard.events.root_user_instance_call_test

import rego.v1

import data.stopguard.events.root_user_instance_call as rule

ev(id, name, extra) := object.union({
	"event_id": id, "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": name, "region": "us-east-1", "source_ip": "198.51.100.20", "user_agent": "console.ec2.amazonaws.com",
	"principal": "arn:aws:iam::111122223333:root", "identity_type": "Root", "root": true, "mfa": false,
	"console": true, "error_code": null, "instance_ids": ["i-1"], "file": "a.json.gz", "record": 0,
}, extra)

test_root_stop_is_reported if {
	findings := rule.deny with input as {"cloudtrail_events": [ev("e1", "StopInstances", {})]}
	count(findings) == 1
	some f in findings
	f.msg == "StopInstances of i-1 by arn:aws:iam::111122223333:root at 2026-03-02T10:00:00Z from 198.51.100.20 (console.ec2.amazonaws.com) with the root user [event e1, record 0]"
}

test_refused_root_call_says_so if {
	findings := rule.deny with input as {"cloudtrail_events": [ev("e1", "TerminateInstances", {"error_code": "UnauthorizedOperation"})]}
	some f in findings
	contains(f.msg, ", refused with UnauthorizedOperation")
}

test_non_root_and_other_calls_pass if {
	inp := {"cloudtrail_events": [
		ev("e1", "StopInstances", {"root": false, "identity_type": "IAMUser", "principal": "arn:aws:iam::111122223333:user/a"}),
		ev("e2", "DescribeInstances", {}),
	]}
	count(rule.deny) == 0 with input as inp
}
