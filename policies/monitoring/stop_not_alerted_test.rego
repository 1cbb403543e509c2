package stopguard.monitoring.stop_not_alerted_test

import rego.v1

import data.stopguard.monitoring.stop_not_alerted as rule

all_supplied := {"trails": true, "metric_filters": true, "alarms": true, "event_rules": true}

trail := {
	"name": "main", "arn": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/main",
	"home_region": "eu-west-1", "multi_region": true, "logging": true,
	"cloudwatch_log_group": "arn:aws:logs:eu-west-1:111122223333:log-group:audit-trail:*",
}

stop_filter := {
	"name": "ec2-stop", "log_group": "audit-trail", "region": "eu-west-1",
	"pattern": "{ $.eventName = StopInstances }", "matches_stop_instances": true,
	"metrics": [{"namespace": "Audit", "name": "Ec2Stop"}],
}

alarm(actions) := {
	"name": "ec2-stop", "arn": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:ec2-stop",
	"region": "eu-west-1", "has_action": count(actions) > 0, "alarm_actions": actions,
	"metrics": [{"namespace": "Audit", "name": "Ec2Stop", "dimensions": {}}],
}

sns := ["arn:aws:sns:eu-west-1:111122223333:alerts"]

event_rule(targets) := {
	"name": "ec2-stop-rule", "arn": "arn:aws:events:eu-west-1:111122223333:rule/ec2-stop-rule",
	"region": "eu-west-1", "state": "ENABLED", "event_bus": "default",
	"matches_stop_instances": true, "targets": targets,
}

inp(supplied, trails, filters, alarms, rules) := {
	"account_id": "111122223333",
	"supplied": supplied,
	"ec2": {"instances": [{"id": "i-1", "region": "eu-west-1", "state": "running"}]},
	"cloudtrail": {"trails": trails},
	"logs": {"metric_filters": filters},
	"cloudwatch": {"metric_alarms": alarms, "composite_alarms": []},
	"events": {"rules": rules},
}

test_filter_with_alarm_passes if {
	count(rule.deny) == 0 with input as inp(all_supplied, [trail], [stop_filter], [alarm(sns)], [])
}

test_event_rule_with_target_passes if {
	t := [{"id": "1", "arn": sns[0]}]
	count(rule.deny) == 0 with input as inp(all_supplied, [], [], [], [event_rule(t)])
}

test_nothing_is_reported_with_region_and_resource if {
	findings := rule.deny with input as inp(all_supplied, [trail], [], [], [])
	count(findings) == 1
	some f in findings
	f.resource == "111122223333/eu-west-1"
	startswith(f.msg, "no alert on ec2:StopInstances in eu-west-1")
}

test_alarm_without_action_is_a_near_miss if {
	findings := rule.deny with input as inp(all_supplied, [trail], [stop_filter], [alarm([])], [])
	some f in findings
	f.details.near_misses == ["metric filter ec2-stop on audit-trail has no alarm with an action"]
}

test_disabled_actions_do_not_count if {
	a := object.union(alarm(sns), {"has_action": false})
	count(rule.deny) == 1 with input as inp(all_supplied, [trail], [stop_filter], [a], [])
}

test_composite_alarm_with_action_counts if {
	composite := {"name": "paging", "has_action": true, "alarm_rule": "ALARM(\"ec2-stop\") OR ALARM(other)"}
	inp1 := inp(all_supplied, [trail], [stop_filter], [alarm([])], [])
	inp2 := object.union(inp1, {"cloudwatch": {"metric_alarms": [alarm([])], "composite_alarms": [composite]}})
	count(rule.deny) == 0 with input as inp2
}

test_filter_on_another_log_group_does_not_count if {
	f := object.union(stop_filter, {"log_group": "app-logs"})
	count(rule.deny) == 1 with input as inp(all_supplied, [trail], [f], [alarm(sns)], [])
}

test_filter_not_matching_stop_does_not_count if {
	f := object.union(stop_filter, {"matches_stop_instances": false})
	count(rule.deny) == 1 with input as inp(all_supplied, [trail], [f], [alarm(sns)], [])
}

test_stopped_trail_does_not_count if {
	t := object.union(trail, {"logging": false})
	count(rule.deny) == 1 with input as inp(all_supplied, [t], [stop_filter], [alarm(sns)], [])
}

test_single_region_trail_elsewhere_does_not_count if {
	t := object.union(trail, {"multi_region": false, "home_region": "us-east-1"})
	count(rule.deny) == 1 with input as inp(all_supplied, [t], [stop_filter], [alarm(sns)], [])
}

test_trail_without_log_group_is_a_near_miss if {
	t := object.union(trail, {"cloudwatch_log_group": null})
	findings := rule.deny with input as inp(all_supplied, [t], [], [], [])
	some f in findings
	f.details.near_misses == ["trail main records the region but delivers to no CloudWatch Logs log group"]
}

test_rule_in_another_region_does_not_count if {
	r := object.union(event_rule([{"id": "1", "arn": sns[0]}]), {"region": "us-east-1"})
	count(rule.deny) == 1 with input as inp(all_supplied, [], [], [], [r])
}

test_disabled_rule_or_custom_bus_does_not_count if {
	t := [{"id": "1", "arn": sns[0]}]
	r1 := object.union(event_rule(t), {"state": "DISABLED"})
	r2 := object.union(event_rule(t), {"event_bus": "audit"})
	count(rule.deny) == 1 with input as inp(all_supplied, [], [], [], [r1, r2])
}

test_rule_without_target_is_a_near_miss if {
	findings := rule.deny with input as inp(all_supplied, [], [], [], [event_rule([])])
	some f in findings
	f.details.near_misses == ["EventBridge rule ec2-stop-rule has no target"]
}

test_rule_with_unknown_targets_cannot_be_confirmed if {
	findings := rule.deny with input as inp(all_supplied, [], [], [], [event_rule(null)])
	count(findings) == 1
	some f in findings
	contains(f.msg, "could not be confirmed")
	f.details.rules_without_known_targets == ["ec2-stop-rule"]
}

test_nothing_supplied_is_not_evaluated if {
	count(rule.deny) == 0 with input as inp({"trails": true}, [trail], [], [], [])
}

test_one_path_supplied_says_what_is_missing if {
	s := {"trails": true, "metric_filters": true, "alarms": true}
	findings := rule.deny with input as inp(s, [trail], [], [], [])
	count(findings) == 1
	some f in findings
	f.details.missing == ["event_rules"]
	contains(f.msg, "could not be confirmed")
	contains(f.msg, "aws events list-rules was not supplied")
}

test_one_path_supplied_and_satisfied_passes if {
	t := [{"id": "1", "arn": sns[0]}]
	count(rule.deny) == 0 with input as inp({"event_rules": true}, [], [], [], [event_rule(t)])
}

test_no_instances_judges_the_account if {
	i := object.union(inp(all_supplied, [], [], [], []), {"ec2": {"instances": []}, "account_id": null})
	findings := rule.deny with input as i
	some f in findings
	f.resource == "account"
	startswith(f.msg, "no alert on ec2:StopInstances in the account")
}

test_trail_leaving_stops_out_does_not_count if {
	read_only := [{"read_write_type": "ReadOnly", "include_management_events": true, "exclude_management_event_sources": []}]
	t := object.union(trail, {"has_custom_event_selectors": true, "event_selectors": read_only})
	findings := rule.deny with input as inp(all_supplied, [t], [stop_filter], [alarm(sns)], [])
	count(findings) == 1
	some f in findings
	f.details.near_misses == ["trail main delivers to CloudWatch Logs but its event selectors leave StopInstances out"]
}

test_trail_with_unsupplied_selectors_gets_the_benefit_of_the_doubt if {
	t := object.union(trail, {"has_custom_event_selectors": true, "event_selectors": null, "advanced_event_selectors": null})
	count(rule.deny) == 0 with input as inp(all_supplied, [t], [stop_filter], [alarm(sns)], [])
}
