# CloudTrail helpers: naming trails, and which events a trail's selectors record.
package stopguard.lib.cloudtrail

import rego.v1

import data.stopguard.lib.util

# The event an ec2:StopInstances call produces, as advanced event selectors see it.
stop_instances_event := {
	"eventCategory": "Management",
	"readOnly": "false",
	"eventSource": "ec2.amazonaws.com",
	"eventName": "StopInstances",
}

# What a finding names a trail by: its ARN, or its name when there is no ARN.
trail_id(trail) := trail.arn if {
	util.has_text(trail.arn)
} else := trail.name

# Selectors are "unset" when get-event-selectors was not supplied (null) or absent.
basic_selectors(trail) := object.get(trail, "event_selectors", null)

advanced_selectors(trail) := object.get(trail, "advanced_event_selectors", null)

# The selectors as lists to iterate over, [] when unset. (`some x in null` is an
# error in regorus, not just undefined as in OPA.)
basic_selector_list(trail) := list if {
	list := basic_selectors(trail)
	is_array(list)
} else := []

advanced_selector_list(trail) := list if {
	list := advanced_selectors(trail)
	is_array(list)
} else := []

# The trail keeps CloudTrail's default selection: every management event, read and write.
uses_default_selectors(trail) if {
	basic_selectors(trail) == null
	advanced_selectors(trail) == null
	object.get(trail, "has_custom_event_selectors", false) == false
}

# The trail has custom selectors, but the input does not say what they are.
selectors_unknown(trail) if {
	basic_selectors(trail) == null
	advanced_selectors(trail) == null
	object.get(trail, "has_custom_event_selectors", false) == true
}

# Whether the trail records `event` (an object of advanced-selector field -> value)
# as a write management event, for a call to `source`.
records_write_management_event(trail, _, _) if uses_default_selectors(trail)

records_write_management_event(trail, source, _) if {
	some selector in basic_selector_list(trail)
	basic_selector_records_writes(selector, source)
}

records_write_management_event(trail, _, event) if {
	some selector in advanced_selector_list(trail)
	advanced_selector_matches(selector, event)
}

# A basic event selector records write management events from `source`.
basic_selector_records_writes(selector, source) if {
	object.get(selector, "include_management_events", true) == true
	object.get(selector, "read_write_type", "All") in {"All", "WriteOnly"}
	not source in object.get(selector, "exclude_management_event_sources", [])
}

# An advanced event selector selects the event: every field selector matches
# (field selectors are ANDed).
advanced_selector_matches(selector, event) if {
	every field_selector in object.get(selector, "field_selectors", []) {
		field_selector_matches(field_selector, event)
	}
}

# A field selector on a field the event has: every operator it uses holds
# (the values of one operator are alternatives for Equals/StartsWith/EndsWith,
# and all excluded for the Not* operators).
field_selector_matches(fs, event) if {
	value := event[fs.field]
	equals_ok(fs, value)
	starts_with_ok(fs, value)
	ends_with_ok(fs, value)
	not_equals_ok(fs, value)
	not_starts_with_ok(fs, value)
	not_ends_with_ok(fs, value)
}

# A field selector on a field the event lacks (e.g. resources.ARN on a
# management event) excludes nothing only when it uses Not* operators alone.
field_selector_matches(fs, event) if {
	not fs.field in object.keys(event)
	count(positive_values(fs)) == 0
}

positive_values(fs) := array.concat(
	array.concat(object.get(fs, "equals", []), object.get(fs, "starts_with", [])),
	object.get(fs, "ends_with", []),
)

equals_ok(fs, value) if {
	values := object.get(fs, "equals", [])
	any_or_none(values, [v | some v in values; v == value])
}

starts_with_ok(fs, value) if {
	values := object.get(fs, "starts_with", [])
	any_or_none(values, [v | some v in values; startswith(value, v)])
}

ends_with_ok(fs, value) if {
	values := object.get(fs, "ends_with", [])
	any_or_none(values, [v | some v in values; endswith(value, v)])
}

not_equals_ok(fs, value) if {
	every v in object.get(fs, "not_equals", []) {
		v != value
	}
}

not_starts_with_ok(fs, value) if {
	every v in object.get(fs, "not_starts_with", []) {
		not startswith(value, v)
	}
}

not_ends_with_ok(fs, value) if {
	every v in object.get(fs, "not_ends_with", []) {
		not endswith(value, v)
	}
}

# An operator that is not used holds; one that is used needs a matching value.
any_or_none(values, _) if count(values) == 0

any_or_none(_, matched) if count(matched) > 0
