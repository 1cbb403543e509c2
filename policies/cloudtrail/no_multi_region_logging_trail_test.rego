package stopguard.cloudtrail.no_multi_region_logging_trail_test

import rego.v1

import data.stopguard.cloudtrail.no_multi_region_logging_trail as rule

trail(name, multi, logging) := {
	"name": name, "arn": sprintf("arn:aws:cloudtrail:us-east-1:111122223333:trail/%s", [name]),
	"multi_region": multi, "logging": logging, "has_custom_event_selectors": false,
	"event_selectors": null, "advanced_event_selectors": null, "file": "trails.json",
}

inp(trails) := {"account_id": "111122223333", "supplied": {"trails": true}, "cloudtrail": {"trails": trails}}

test_logging_multi_region_trail_passes if {
	count(rule.deny) == 0 with input as inp([trail("local", false, true), trail("main", true, true)])
}

test_trails_not_supplied_passes if {
	count(rule.deny) == 0 with input as {"account_id": null, "supplied": {"trails": false}, "cloudtrail": {"trails": []}}
}

test_no_trail_is_reported if {
	findings := rule.deny with input as inp([])
	count(findings) == 1
	some f in findings
	f.resource == "111122223333"
	f.msg == "no multi-region CloudTrail trail is logging in account 111122223333: there is no trail at all"
}

test_single_region_only_is_reported if {
	findings := rule.deny with input as inp([trail("local", false, true)])
	some f in findings
	f.msg == "no multi-region CloudTrail trail is logging in account 111122223333: the trail(s) local record only their home region"
}

test_stopped_multi_region_trail_is_reported if {
	findings := rule.deny with input as inp([trail("main", true, false)])
	some f in findings
	f.details.stopped == ["main"]
	contains(f.msg, "the multi-region trail(s) main are not logging")
}

test_unknown_status_cannot_be_confirmed if {
	findings := rule.deny with input as inp([trail("main", true, null), trail("old", true, false)])
	count(findings) == 1
	some f in findings
	f.details.status_unknown == ["main"]
	startswith(f.msg, "logging could not be confirmed for the multi-region trail(s) main of account 111122223333")
	contains(f.msg, "get-trail-status")
}

test_unknown_account_resource if {
	findings := rule.deny with input as {"account_id": null, "supplied": {"trails": true}, "cloudtrail": {"trails": []}}
	some f in findings
	f.resource == "account"
	contains(f.msg, "in the account:")
}
