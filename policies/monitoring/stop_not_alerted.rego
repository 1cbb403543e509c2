# METADATA
# title: An ec2:StopInstances call must raise an alert
# description: |
#   Reports each region with instances (or the account, when no instance is
#   known) where nothing would alert on an ec2:StopInstances call. Either path
#   counts:
#   - CIS style: a logging trail that records the region (multi-region, or
#     homed there) and whose event selectors keep StopInstances (see CT-002)
#     delivers to a CloudWatch Logs log group; a metric filter on
#     that log group matches StopInstances calls; and a metric alarm on the
#     filter's metric (same namespace and name, same region) has an action, or
#     feeds a composite alarm that has one.
#   - EventBridge: an enabled rule on the region's default event bus whose
#     event pattern matches StopInstances calls ("AWS API Call via
#     CloudTrail" from aws.ec2), with at least one target.
#   A filter or event pattern "matches" when it matches a successful
#   StopInstances call by an IAM user, by an assumed role and by root
#   (stopguard evaluates the pattern against those events, so broader patterns
#   such as `{ $.eventSource = ec2.amazonaws.com }` or `"Stop*"` count). The
#   check runs when the inputs for at least one path were supplied (trails,
#   metric filters and alarms; or EventBridge rules); when the other path's
#   inputs, or a matching rule's targets, are missing, the finding says the
#   alert could not be confirmed and what to add.
# custom:
#   id: MON-001
#   severity: medium
#   remediation: |
#     Alert on stops, e.g. with EventBridge (per region):
#       aws events put-rule --name ec2-stop-alert --event-pattern \
#         '{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["ec2.amazonaws.com"],"eventName":["StopInstances"]}}'
#       aws events put-targets --rule ec2-stop-alert --targets Id=sns,Arn=arn:aws:sns:<region>:<account>:security-alerts
#     or CIS style, on the trail's log group:
#       aws logs put-metric-filter --log-group-name <group> --filter-name ec2-stop \
#         --filter-pattern '{ $.eventName = "StopInstances" }' \
#         --metric-transformations metricName=Ec2StopInstances,metricNamespace=Audit,metricValue=1
#       aws cloudwatch put-metric-alarm --alarm-name ec2-stop --namespace Audit \
#         --metric-name Ec2StopInstances --statistic Sum --period 300 --threshold 1 \
#         --comparison-operator GreaterThanOrEqualToThreshold --evaluation-periods 1 \
#         --alarm-actions arn:aws:sns:<region>:<account>:security-alerts
package stopguard.monitoring.stop_not_alerted

import rego.v1

import data.stopguard.lib.cloudtrail
import data.stopguard.lib.regions
import data.stopguard.lib.util

supplied(kind) if object.get(input_supplied, kind, false) == true

default input_supplied := {}

input_supplied := input.supplied

# The metric-filter path can be judged: trails, filters and alarms were all given.
filter_path_known if {
	supplied("trails")
	supplied("metric_filters")
	supplied("alarms")
}

rule_path_known if supplied("event_rules")

deny contains finding if {
	some region in regions.input_scopes
	filter_path_known
	rule_path_known
	not alerted(region)
	count(rules_without_known_targets(region)) == 0
	finding := {
		"msg": sprintf(
			"no alert on ec2:StopInstances %s: no metric filter with an alarm on a trail's log group, and no EventBridge rule with a target, matches the call%s",
			[regions.where(region), near_miss_text(region)],
		),
		"resource": resource(region),
		"details": {"region": region, "near_misses": near_misses(region)},
	}
}

deny contains finding if {
	some region in regions.input_scopes
	filter_path_known != rule_path_known
	not alerted(region)
	finding := {
		"msg": sprintf(
			"an alert on ec2:StopInstances %s could not be confirmed: none found in what was supplied, and %s was not supplied%s",
			[regions.where(region), missing_text, near_miss_text(region)],
		),
		"resource": resource(region),
		"details": {"region": region, "missing": missing, "near_misses": near_misses(region)},
	}
}

deny contains finding if {
	some region in regions.input_scopes
	filter_path_known
	rule_path_known
	not alerted(region)
	unknown := rules_without_known_targets(region)
	count(unknown) > 0
	finding := {
		"msg": sprintf(
			"an alert on ec2:StopInstances %s could not be confirmed: EventBridge rule(s) %s match the call but their targets were not supplied (add aws events list-targets-by-rule)",
			[regions.where(region), concat(", ", sort(unknown))],
		),
		"resource": resource(region),
		"details": {"region": region, "rules_without_known_targets": sort(unknown)},
	}
}

default filter_path_known := false

default rule_path_known := false

resource(region) := sprintf("%s/%s", [util.account_resource(util.input_account), region]) if {
	region != null
} else := util.account_resource(util.input_account)

missing := [m |
	some m in ["trails", "metric_filters", "alarms", "event_rules"]
	not supplied(m)
]

missing_text := concat(", ", [hint[m] | some m in missing])

hint := {
	"trails": "aws cloudtrail describe-trails",
	"metric_filters": "aws logs describe-metric-filters",
	"alarms": "aws cloudwatch describe-alarms",
	"event_rules": "aws events list-rules",
}

alerted(region) if some _ in alarmed_filters(region)

alerted(region) if some _ in targeted_rules(region)

# ---- path 1: trail -> log group -> metric filter -> alarm with an action

# Trails that record `region`'s events and deliver to CloudWatch Logs: {group name, group region}.
trail_log_groups(region) := {{"name": parts[6], "region": parts[3], "trail": trail.name} |
	some trail in input.cloudtrail.trails
	object.get(trail, "logging", null) != false
	records_region(trail, region)
	records_stops(trail)
	arn := object.get(trail, "cloudwatch_log_group", null)
	util.has_text(arn)
	parts := split(arn, ":")
	count(parts) > 6
}

# The trail's selectors keep StopInstances (CT-002 judges them in full; custom
# selectors that were not supplied get the benefit of the doubt here).
records_stops(trail) if cloudtrail.records_write_management_event(trail, "ec2.amazonaws.com", cloudtrail.stop_instances_event)

records_stops(trail) if cloudtrail.selectors_unknown(trail)

records_region(_, region) if region == null

records_region(trail, _) if trail.multi_region == true

records_region(trail, region) if object.get(trail, "home_region", "") == region

records_region(trail, _) if not util.has_text(object.get(trail, "home_region", ""))

stop_filters(region) := {{"filter": filter, "group": group} |
	some group in trail_log_groups(region)
	some filter in input.logs.metric_filters
	filter.log_group == group.name
	regions.serves(filter, group.region)
	filter.matches_stop_instances == true
}

# Alarms on a stop filter's metric that would notify someone.
alarmed_filters(region) := {[hit.filter.name, alarm.name] |
	some hit in stop_filters(region)
	some alarm in alarms_on(hit.filter, hit.group.region)
	notifies(alarm)
}

alarms_on(filter, region) := {alarm |
	some metric in filter.metrics
	some alarm in input.cloudwatch.metric_alarms
	regions.serves(alarm, region)
	some watched in alarm.metrics
	watched.namespace == metric.namespace
	watched.name == metric.name
}

notifies(alarm) if alarm.has_action == true

# A composite alarm with an action whose rule names the alarm.
notifies(alarm) if {
	some composite in object.get(input.cloudwatch, "composite_alarms", [])
	composite.has_action == true
	names_alarm(composite.alarm_rule, alarm)
}

names_alarm(rule, alarm) if contains(rule, sprintf("(%s)", [alarm.name]))

names_alarm(rule, alarm) if contains(rule, sprintf("(\"%s\")", [alarm.name]))

names_alarm(rule, alarm) if {
	util.has_text(alarm.arn)
	contains(rule, alarm.arn)
}

# ---- path 2: EventBridge rule with a target

stop_rules(region) := {rule |
	some rule in input.events.rules
	regions.serves(rule, region)
	object.get(rule, "state", "") != "DISABLED"
	object.get(rule, "event_bus", "default") == "default"
	rule.matches_stop_instances == true
}

targeted_rules(region) := {rule.name |
	some rule in stop_rules(region)
	is_array(rule.targets)
	count(rule.targets) > 0
}

rules_without_known_targets(region) := {rule.name |
	some rule in stop_rules(region)
	not is_array(rule.targets)
}

# ---- what came close, to make the fix obvious

near_misses(region) := sort(array.concat(
	array.concat(
		[sprintf("metric filter %s on %s has no alarm with an action", [f.name, f.log_group]) |
			# Only asked when nothing alerts, so no stop filter has a notifying alarm.
			some hit in stop_filters(region)
			f := hit.filter
		],
		[sprintf("EventBridge rule %s has no target", [r.name]) |
			some r in stop_rules(region)
			is_array(r.targets)
			count(r.targets) == 0
		],
	),
	array.concat(
		[sprintf("trail %s records the region but delivers to no CloudWatch Logs log group", [t.name]) |
			some t in input.cloudtrail.trails
			object.get(t, "logging", null) != false
			records_region(t, region)
			not util.has_text(object.get(t, "cloudwatch_log_group", null))
		],
		[sprintf("trail %s delivers to CloudWatch Logs but its event selectors leave StopInstances out", [t.name]) |
			some t in input.cloudtrail.trails
			object.get(t, "logging", null) != false
			records_region(t, region)
			util.has_text(object.get(t, "cloudwatch_log_group", null))
			not records_stops(t)
		],
	),
))

near_miss_text(region) := sprintf(" (%s)", [concat("; ", near_misses(region))]) if {
	count(near_misses(region)) > 0
} else := ""
