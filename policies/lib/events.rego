# CloudTrail event helpers: which events are stop calls, which failed for lack of
# permission, and how a finding names an event (input.cloudtrail_events).
package stopguard.lib.events

import rego.v1

import data.stopguard.lib.util

# EC2 calls that change an instance's state.
state_calls := {"StopInstances", "StartInstances", "TerminateInstances"}

# A call to change an EC2 instance's state (stop, start, terminate), however it ended.
is_state_call(e) if {
	e.source == "ec2.amazonaws.com"
	e.name in state_calls
}

# The call went through: CloudTrail records an errorCode only for calls that failed.
succeeded(e) if not util.has_text(object.get(e, "error_code", null))

# The call was refused for lack of permission: EC2 answers UnauthorizedOperation
# (Client.UnauthorizedOperation in some records), most services AccessDenied or
# AccessDeniedException.
denied(e) if {
	is_string(e.error_code)
	denied_code(trim_prefix(e.error_code, "Client."))
}

denied_code(code) if code == "UnauthorizedOperation"

denied_code(code) if startswith(code, "AccessDenied")

# Successful calls of the given name to EC2.
successful(name) := [e |
	some e in input.cloudtrail_events
	is_state_call(e)
	e.name == name
	succeeded(e)
]

# Successful StopInstances calls.
stops := successful("StopInstances")

# An AWS service acting on its own behalf (Auto Scaling, ...): no MFA, no IP.
by_service(e) if e.identity_type == "AWSService"

# The event in words: what, on which instances, by whom, when, from where, with what.
summary(e) := sprintf("%s of %s by %s at %s from %s (%s)", [
	e.name, instances_text(e), e.principal, e.time, e.source_ip, e.user_agent,
])

instances_text(e) := util.join_limited(e.instance_ids, 5) if {
	count(e.instance_ids) > 0
} else := "no instance"

# Where the event was read: "record 12 of <file>".
record_text(e) := sprintf("event %s, record %d", [e.event_id, e.record])

# What every event finding carries.
details(e) := {
	"event_id": e.event_id,
	"event_time": e.time,
	"event_name": e.name,
	"principal": e.principal,
	"identity_type": e.identity_type,
	"identity_arn": object.get(e, "identity_arn", null),
	"source_ip": e.source_ip,
	"user_agent": e.user_agent,
	"region": e.region,
	"instance_ids": e.instance_ids,
	"error_code": object.get(e, "error_code", null),
	"file": e.file,
	"record": e.record,
}

# A finding about one event: the event id is the resource, the log file the file.
finding(e, msg, extra) := {
	"msg": sprintf("%s [%s]", [msg, record_text(e)]),
	"resource": e.event_id,
	"file": e.file,
	"details": object.union(details(e), extra),
}
