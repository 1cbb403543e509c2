package stopguard.cloudtrail.stop_events_not_recorded_test

import rego.v1

import data.stopguard.cloudtrail.stop_events_not_recorded as rule

trail(name, logging, extra) := object.union(
	{
		"name": name, "arn": sprintf("arn:aws:cloudtrail:us-east-1:111122223333:trail/%s", [name]),
		"multi_region": true, "logging": logging, "has_custom_event_selectors": false,
		"event_selectors": null, "advanced_event_selectors": null, "file": "trails.json",
	},
	extra,
)

custom(selectors) := {"has_custom_event_selectors": true, "event_selectors": selectors}

inp(trails) := {"account_id": "111122223333", "supplied": {"trails": true}, "cloudtrail": {"trails": trails}}

read_only := [{"read_write_type": "ReadOnly", "include_management_events": true, "exclude_management_event_sources": []}]

write_only := [{"read_write_type": "WriteOnly", "include_management_events": true, "exclude_management_event_sources": []}]

test_default_selectors_pass if {
	count(rule.deny) == 0 with input as inp([trail("main", true, {})])
}

test_unknown_status_with_default_selectors_passes if {
	count(rule.deny) == 0 with input as inp([trail("main", null, {})])
}

test_write_only_selector_passes if {
	count(rule.deny) == 0 with input as inp([trail("main", true, custom(write_only))])
}

test_advanced_management_selector_passes if {
	adv := {"has_custom_event_selectors": true, "advanced_event_selectors": [{
		"name": "mgmt",
		"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}],
	}]}
	count(rule.deny) == 0 with input as inp([trail("main", true, adv)])
}

test_trails_not_supplied_passes if {
	count(rule.deny) == 0 with input as {"account_id": null, "supplied": {"trails": false}, "cloudtrail": {"trails": []}}
}

test_read_only_trail_is_reported if {
	findings := rule.deny with input as inp([trail("main", true, custom(read_only))])
	count(findings) == 1
	some f in findings
	f.resource == "111122223333"
	f.msg == "no logging CloudTrail trail in account 111122223333 records ec2:StopInstances (a write management event from ec2.amazonaws.com); the event selectors of main leave it out"
}

test_excluded_ec2_is_reported if {
	excluded := [{"read_write_type": "All", "include_management_events": true, "exclude_management_event_sources": ["ec2.amazonaws.com"]}]
	count(rule.deny) == 1 with input as inp([trail("main", true, custom(excluded))])
}

test_recording_trail_that_is_stopped_does_not_count if {
	findings := rule.deny with input as inp([trail("main", false, {}), trail("data", true, custom(read_only))])
	count(findings) == 1
	some f in findings
	f.details.candidate_trails == ["data"]
}

test_no_trail_is_reported if {
	findings := rule.deny with input as inp([])
	some f in findings
	endswith(f.msg, "; no trail is logging")
}

test_unsupplied_custom_selectors_cannot_be_confirmed if {
	findings := rule.deny with input as inp([trail("main", true, {"has_custom_event_selectors": true})])
	count(findings) == 1
	some f in findings
	f.details.selectors_unknown == ["main"]
	startswith(f.msg, "recording of ec2:StopInstances in account 111122223333 could not be confirmed")
	contains(f.msg, "get-event-selectors")
}
