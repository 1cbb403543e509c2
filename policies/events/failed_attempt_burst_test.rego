package stopguard.events.failed_attempt_burst_test

import rego.v1

import data.stopguard.events.failed_attempt_burst as rule

params := {"failed_attempt_burst": {"count": 3, "window_seconds": 60}}

ev(id, epoch, principal, ip, code) := {
	"event_id": id, "time": sprintf("t+%d", [epoch]), "epoch": epoch, "source": "iam.amazonaws.com",
	"name": sprintf("Call%d", [epoch]), "region": "us-east-1", "source_ip": ip, "user_agent": "boto3/1.34",
	"principal": principal, "identity_type": "IAMUser", "root": false, "mfa": false, "console": false,
	"error_code": code, "instance_ids": [], "file": sprintf("f%d.json.gz", [epoch]), "record": epoch,
}

mallory := "arn:aws:iam::111122223333:user/mallory"

test_burst_from_one_principal_and_address if {
	inp := {"cloudtrail_events": [
		ev("a", 100, mallory, "203.0.113.9", "AccessDenied"),
		ev("b", 130, mallory, "203.0.113.9", "Client.UnauthorizedOperation"),
		ev("c", 150, mallory, "203.0.113.9", "AccessDeniedException"),
		ev("d", 400, mallory, "203.0.113.9", "AccessDenied"),
	]}
	findings := rule.deny with input as inp with data.params as params
	count(findings) == 2
	some f in findings
	f.resource == mallory
	f.msg == "3 refused calls within 60 seconds from principal arn:aws:iam::111122223333:user/mallory, from t+100 to t+150: Call100, Call130, Call150"
	f.file == "f100.json.gz"
	f.details.refused_calls == 4
	f.details.event_ids == ["a", "b", "c"]
	some g in findings
	g.resource == "203.0.113.9"
	g.details.kind == "source_ip"
}

test_spread_out_or_successful_calls_are_no_burst if {
	inp := {"cloudtrail_events": [
		ev("a", 100, mallory, "203.0.113.9", "AccessDenied"),
		ev("b", 170, mallory, "203.0.113.9", "AccessDenied"),
		ev("c", 240, mallory, "203.0.113.9", "AccessDenied"),
		ev("d", 241, mallory, "203.0.113.9", null),
		ev("e", 242, mallory, "203.0.113.9", "Throttling"),
	]}
	count(rule.deny) == 0 with input as inp with data.params as params
}

test_too_few_calls_are_no_burst if {
	inp := {"cloudtrail_events": [ev("a", 100, mallory, "", "AccessDenied")]}
	count(rule.deny) == 0 with input as inp with data.params as params
}

test_later_burst_is_found if {
	inp := {"cloudtrail_events": [
		ev("a", 0, mallory, "203.0.113.9", "AccessDenied"),
		ev("b", 500, mallory, "203.0.113.10", "AccessDenied"),
		ev("c", 510, mallory, "203.0.113.11", "AccessDenied"),
		ev("d", 520, mallory, "203.0.113.12", "AccessDenied"),
	]}
	findings := rule.deny with input as inp with data.params as params
	count(findings) == 1
	some f in findings
	f.details.event_ids == ["b", "c", "d"]
}

test_partial_parameter_keeps_the_other_default if {
	inp := {"cloudtrail_events": [
		ev("a", 0, mallory, "", "AccessDenied"),
		ev("b", 250, mallory, "", "AccessDenied"),
	]}
	findings := rule.deny with input as inp with data.params as {"failed_attempt_burst": {"count": 2}}
	count(findings) == 1
	some f in findings
	contains(f.msg, "2 refused calls within 300 seconds")
}
