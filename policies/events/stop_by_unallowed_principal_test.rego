package stopguard.events.stop_by_unallowed_principal_test

import rego.v1

import data.stopguard.events.stop_by_unallowed_principal as rule

ev(id, name, principal, extra) := object.union({
	"event_id": id, "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": name, "region": "us-east-1", "source_ip": "203.0.113.9", "user_agent": "aws-cli/2.15",
	"principal": principal, "identity_type": "IAMUser", "root": false, "mfa": true, "console": false,
	"error_code": null, "instance_ids": ["i-1"], "file": "logs/a.json.gz", "record": 2,
}, extra)

params := {"allowed_stoppers": ["arn:aws:iam::*:role/ops-*"]}

mallory := "arn:aws:iam::111122223333:user/mallory"

test_unallowed_stop_is_reported_with_event_fields if {
	findings := rule.deny with input as {"cloudtrail_events": [ev("e1", "StopInstances", mallory, {})]} with data.params as params
	count(findings) == 1
	some f in findings
	f.resource == "e1"
	f.file == "logs/a.json.gz"
	f.details.principal == mallory
	f.details.source_ip == "203.0.113.9"
	f.details.instance_ids == ["i-1"]
	f.details.record == 2
	f.msg == "StopInstances of i-1 by arn:aws:iam::111122223333:user/mallory at 2026-03-02T10:00:00Z from 203.0.113.9 (aws-cli/2.15), which allowed_stoppers does not allow [event e1, record 2]"
}

test_allowed_role_session_passes if {
	e := ev("e1", "StopInstances", "arn:aws:iam::111122223333:role/ops-oncall", {"identity_type": "AssumedRole"})
	count(rule.deny) == 0 with input as {"cloudtrail_events": [e]} with data.params as params
}

test_failed_stop_root_and_other_calls_are_not_this_rule if {
	inp := {"cloudtrail_events": [
		ev("e1", "StopInstances", mallory, {"error_code": "UnauthorizedOperation"}),
		ev("e2", "StopInstances", "arn:aws:iam::111122223333:root", {"root": true, "identity_type": "Root"}),
		ev("e3", "StartInstances", mallory, {}),
		ev("e4", "StopInstances", mallory, {"source": "rds.amazonaws.com"}),
	]}
	count(rule.deny) == 0 with input as inp with data.params as params
}

test_start_and_terminate_are_context if {
	inp := {"cloudtrail_events": [
		ev("e1", "StopInstances", mallory, {}),
		ev("e2", "StartInstances", "arn:aws:iam::111122223333:role/ops-oncall", {"time": "2026-03-02T10:05:00Z"}),
		ev("e3", "TerminateInstances", mallory, {"instance_ids": ["i-9"]}),
	]}
	findings := rule.deny with input as inp with data.params as params
	count(findings) == 1
	some f in findings
	f.details.context == [{"event_id": "e2", "event_name": "StartInstances", "event_time": "2026-03-02T10:05:00Z", "principal": "arn:aws:iam::111122223333:role/ops-oncall"}]
	contains(f.msg, "; the logs also show StartInstances at 2026-03-02T10:05:00Z by arn:aws:iam::111122223333:role/ops-oncall")
}

test_default_empty_allow_list_reports_every_stop if {
	e := ev("e1", "StopInstances", "arn:aws:iam::111122223333:role/ops-oncall", {})
	count(rule.deny) == 1 with input as {"cloudtrail_events": [e]} with data.params as {"allowed_stoppers": []}
}

test_context_is_deduplicated_and_in_time_order if {
	inp := {"cloudtrail_events": [
		ev("e1", "StopInstances", mallory, {"instance_ids": ["i-1", "i-2"]}),
		ev("e3", "TerminateInstances", mallory, {"instance_ids": ["i-1", "i-2"], "time": "2026-03-02T11:00:00Z"}),
		ev("e2", "StartInstances", mallory, {"instance_ids": ["i-2"], "time": "2026-03-02T10:30:00Z"}),
	]}
	findings := rule.deny with input as inp with data.params as params
	some f in findings
	[c.event_id | some c in f.details.context] == ["e2", "e3"]
}
