package stopguard.lib.events_test

import rego.v1

import data.stopguard.lib.events

ev(name, code) := {
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 0, "source": "ec2.amazonaws.com",
	"name": name, "region": "us-east-1", "source_ip": "203.0.113.9", "user_agent": "aws-cli/2.15",
	"principal": "arn:aws:iam::111122223333:user/mallory", "identity_type": "IAMUser",
	"root": false, "mfa": false, "console": false, "error_code": code,
	"instance_ids": ["i-1"], "file": "a.json.gz", "record": 4,
}

test_state_calls if {
	events.is_state_call(ev("StopInstances", null))
	events.is_state_call(ev("TerminateInstances", null))
	not events.is_state_call(ev("DescribeInstances", null))
	not events.is_state_call(object.union(ev("StopInstances", null), {"source": "rds.amazonaws.com"}))
}

test_denied_codes if {
	events.denied(ev("StopInstances", "UnauthorizedOperation"))
	events.denied(ev("StopInstances", "Client.UnauthorizedOperation"))
	events.denied(ev("ListUsers", "AccessDenied"))
	events.denied(ev("GetSecretValue", "AccessDeniedException"))
	not events.denied(ev("StopInstances", "IncorrectInstanceState"))
	not events.denied(ev("StopInstances", null))
}

test_succeeded if {
	events.succeeded(ev("StopInstances", null))
	events.succeeded(object.remove(ev("StopInstances", null), ["error_code"]))
	not events.succeeded(ev("StopInstances", "UnauthorizedOperation"))
}

test_stops_only_successful_stop_calls if {
	inp := {"cloudtrail_events": [ev("StopInstances", null), ev("StopInstances", "UnauthorizedOperation"), ev("StartInstances", null)]}
	count(events.stops) == 1 with input as inp
}

test_finding_names_the_event if {
	f := events.finding(ev("StopInstances", null), events.summary(ev("StopInstances", null)), {"x": 1})
	f.msg == "StopInstances of i-1 by arn:aws:iam::111122223333:user/mallory at 2026-03-02T10:00:00Z from 203.0.113.9 (aws-cli/2.15) [event e1, record 4]"
	f.resource == "e1"
	f.file == "a.json.gz"
	f.details.x == 1
	f.details.record == 4
	events.instances_text(object.union(ev("StopInstances", null), {"instance_ids": []})) == "no instance"
}

test_by_service if {
	events.by_service(object.union(ev("StopInstances", null), {"identity_type": "AWSService"}))
	not events.by_service(ev("StopInstances", null))
}
