package stopguard.events.stop_from_unexpected_network_test

import rego.v1

import data.stopguard.events.stop_from_unexpected_network as rule

ev(ip) := {
	"event_id": "e1", "time": "2026-03-02T10:00:00Z", "epoch": 1772445600, "source": "ec2.amazonaws.com",
	"name": "StopInstances", "region": "us-east-1", "source_ip": ip, "user_agent": "aws-cli/2.15",
	"principal": "arn:aws:iam::111122223333:user/bob", "identity_type": "IAMUser", "root": false,
	"mfa": true, "console": false, "error_code": null, "instance_ids": ["i-1"], "file": "a.json.gz", "record": 1,
}

params := {"allowed_source_cidrs": ["10.0.0.0/8", "198.51.100.0/24", "2001:db8::/32"]}

test_outside_address_is_reported if {
	findings := rule.deny with input as {"cloudtrail_events": [ev("203.0.113.66")]} with data.params as params
	count(findings) == 1
	some f in findings
	contains(f.msg, "from 203.0.113.66")
	contains(f.msg, "outside allowed_source_cidrs")
	f.details.source_ip == "203.0.113.66"
}

test_ipv6_outside_is_reported if {
	count(rule.deny) == 1 with input as {"cloudtrail_events": [ev("2001:db9::1")]} with data.params as params
}

test_allowed_addresses_and_service_names_pass if {
	inp := {"cloudtrail_events": [ev("10.1.2.3"), ev("198.51.100.7"), ev("2001:db8::5"), ev("ec2.amazonaws.com"), ev("AWS Internal")]}
	count(rule.deny) == 0 with input as inp with data.params as params
}

test_empty_list_turns_the_check_off if {
	count(rule.deny) == 0 with input as {"cloudtrail_events": [ev("203.0.113.66")]} with data.params as {"allowed_source_cidrs": []}
}
