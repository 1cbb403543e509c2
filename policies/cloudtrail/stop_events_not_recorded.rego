# METADATA
# title: ec2:StopInstances calls must be recorded by a logging trail
# description: |
#   Reports an account where no trail that is logging (or whose status is
#   unknown) records the write management event ec2:StopInstances produces.
#   A trail records it with CloudTrail's default selection (all management
#   events), with a basic event selector that includes management events,
#   read/write type All or WriteOnly, and does not exclude ec2.amazonaws.com,
#   or with an advanced event selector whose field selectors all match
#   {eventCategory: Management, readOnly: false, eventSource:
#   ec2.amazonaws.com, eventName: StopInstances}. Trails that log only data
#   events, only read events, or exclude EC2 leave stopped instances
#   unexplained. When a trail has custom selectors that were not supplied,
#   the finding says recording could not be confirmed. The check runs only
#   when trail data was supplied.
# custom:
#   id: CT-002
#   severity: high
#   remediation: |
#     Record write management events on a logging trail, e.g.
#       aws cloudtrail put-event-selectors --trail-name <trail> \
#         --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'
#     or, with advanced selectors:
#       aws cloudtrail put-event-selectors --trail-name <trail> \
#         --advanced-event-selectors '[{"Name":"Management events","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]'
#     and remove ec2.amazonaws.com from ExcludeManagementEventSources if it is
#     listed. If recording could not be confirmed, add the output of
#     `aws cloudtrail get-event-selectors --trail-name <trail>` to the inputs.
package stopguard.cloudtrail.stop_events_not_recorded

import rego.v1

import data.stopguard.lib.cloudtrail
import data.stopguard.lib.util

ec2_source := "ec2.amazonaws.com"

deny contains finding if {
	input.supplied.trails == true
	not a_trail_records_stop_instances
	count(selectors_unknown) == 0
	finding := {
		"msg": sprintf(
			"no logging CloudTrail trail in %s records ec2:StopInstances (a write management event from ec2.amazonaws.com)%s",
			[account_text, candidates_text],
		),
		"resource": util.account_resource(util.input_account),
		"details": {"candidate_trails": sort(candidate_names)},
	}
}

deny contains finding if {
	input.supplied.trails == true
	not a_trail_records_stop_instances
	count(selectors_unknown) > 0
	finding := {
		"msg": sprintf(
			"recording of ec2:StopInstances in %s could not be confirmed: trail(s) %s have custom event selectors that were not supplied (add the output of aws cloudtrail get-event-selectors)",
			[account_text, concat(", ", sort(selectors_unknown))],
		),
		"resource": util.account_resource(util.input_account),
		"details": {"candidate_trails": sort(candidate_names), "selectors_unknown": sort(selectors_unknown)},
	}
}

# Trails that are logging, or whose status was not supplied.
candidate_trails contains trail if {
	some trail in input.cloudtrail.trails
	object.get(trail, "logging", null) != false
}

candidate_names := {trail.name | some trail in candidate_trails}

a_trail_records_stop_instances if {
	some trail in candidate_trails
	cloudtrail.records_write_management_event(trail, ec2_source, cloudtrail.stop_instances_event)
}

selectors_unknown := {trail.name |
	some trail in candidate_trails
	cloudtrail.selectors_unknown(trail)
}

account_text := util.account_text(util.input_account)

candidates_text := sprintf("; the event selectors of %s leave it out", [concat(", ", sort(candidate_names))]) if {
	count(candidate_names) > 0
} else := "; no trail is logging"
