package stopguard.lib.cloudtrail_test

import rego.v1

import data.stopguard.lib.cloudtrail

event := cloudtrail.stop_instances_event

src := "ec2.amazonaws.com"

trail(extra) := object.union(
	{
		"name": "main", "arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
		"has_custom_event_selectors": false, "event_selectors": null, "advanced_event_selectors": null,
	},
	extra,
)

basic(rw, mgmt, excluded) := {"read_write_type": rw, "include_management_events": mgmt, "exclude_management_event_sources": excluded}

field(name, ops) := object.union({"field": name}, ops)

advanced(fields) := trail({"has_custom_event_selectors": true, "advanced_event_selectors": [{"name": "s", "field_selectors": fields}]})

test_trail_id if {
	cloudtrail.trail_id(trail({})) == "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
	cloudtrail.trail_id(trail({"arn": ""})) == "main"
	cloudtrail.trail_id({"name": "x"}) == "x"
}

test_default_selectors_record if {
	cloudtrail.uses_default_selectors(trail({}))
	cloudtrail.records_write_management_event(trail({}), src, event)
	not cloudtrail.selectors_unknown(trail({}))
}

test_custom_selectors_not_supplied_are_unknown if {
	t := trail({"has_custom_event_selectors": true})
	cloudtrail.selectors_unknown(t)
	not cloudtrail.records_write_management_event(t, src, event)
}

test_basic_selector_records if {
	cloudtrail.records_write_management_event(trail({"event_selectors": [basic("All", true, [])]}), src, event)
	cloudtrail.records_write_management_event(trail({"event_selectors": [basic("WriteOnly", true, ["kms.amazonaws.com"])]}), src, event)
	cloudtrail.records_write_management_event(trail({"event_selectors": [basic("ReadOnly", true, []), basic("All", true, [])]}), src, event)
}

test_basic_selector_misses if {
	not cloudtrail.records_write_management_event(trail({"event_selectors": [basic("ReadOnly", true, [])]}), src, event)
	not cloudtrail.records_write_management_event(trail({"event_selectors": [basic("All", false, [])]}), src, event)
	not cloudtrail.records_write_management_event(trail({"event_selectors": [basic("All", true, [src])]}), src, event)
	not cloudtrail.records_write_management_event(trail({"event_selectors": []}), src, event)
}

test_advanced_all_management_events if {
	cloudtrail.records_write_management_event(advanced([field("eventCategory", {"equals": ["Management"]})]), src, event)
}

test_advanced_write_only if {
	cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Management"]}), field("readOnly", {"equals": ["false"]})]),
		src, event,
	)
	not cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Management"]}), field("readOnly", {"equals": ["true"]})]),
		src, event,
	)
}

test_advanced_data_events_only if {
	not cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Data"]}), field("resources.type", {"equals": ["AWS::S3::Object"]})]),
		src, event,
	)
}

test_advanced_excluded_source if {
	not cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Management"]}), field("eventSource", {"not_equals": [src]})]),
		src, event,
	)
	cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Management"]}), field("eventSource", {"not_equals": ["kms.amazonaws.com"]})]),
		src, event,
	)
}

test_advanced_prefix_and_suffix if {
	cloudtrail.records_write_management_event(advanced([field("eventName", {"starts_with": ["Stop", "Terminate"]})]), src, event)
	cloudtrail.records_write_management_event(advanced([field("eventName", {"ends_with": ["Instances"]})]), src, event)
	not cloudtrail.records_write_management_event(advanced([field("eventName", {"not_starts_with": ["Stop"]})]), src, event)
	not cloudtrail.records_write_management_event(advanced([field("eventName", {"not_ends_with": ["Instances"]})]), src, event)
	not cloudtrail.records_write_management_event(advanced([field("eventName", {"starts_with": ["Start"]})]), src, event)
}

test_advanced_operators_are_anded if {
	not cloudtrail.records_write_management_event(
		advanced([field("eventName", {"starts_with": ["Stop"], "not_ends_with": ["Instances"]})]),
		src, event,
	)
	cloudtrail.records_write_management_event(
		advanced([field("eventName", {"starts_with": ["Stop"], "not_equals": ["StopLogging"]})]),
		src, event,
	)
}

test_advanced_missing_field if {
	cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Management"]}), field("userIdentity.arn", {"not_starts_with": ["arn:aws:sts::111122223333:assumed-role/noisy"]})]),
		src, event,
	)
	not cloudtrail.records_write_management_event(
		advanced([field("eventCategory", {"equals": ["Management"]}), field("userIdentity.arn", {"starts_with": ["arn:aws:sts::111122223333:assumed-role/ops"]})]),
		src, event,
	)
}
