package stopguard.monitoring.instance_without_cpu_alarm_test

import rego.v1

import data.stopguard.monitoring.instance_without_cpu_alarm as rule

instance(id, state) := {"id": id, "state": state, "region": "eu-west-1", "arn": "arn:x", "file": "instances.json"}

cpu_alarm(id, region) := {
	"name": sprintf("cpu-%s", [id]), "region": region,
	"metrics": [{"namespace": "AWS/EC2", "name": "CPUUtilization", "dimensions": {"InstanceId": id}}],
}

inp(instances, alarms) := {
	"supplied": {"instances": true, "alarms": true},
	"ec2": {"instances": instances},
	"cloudwatch": {"metric_alarms": alarms},
}

test_instance_with_cpu_alarm_passes if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "running")], [cpu_alarm("i-1", "eu-west-1")])
}

test_instance_without_alarm_is_reported if {
	findings := rule.deny with input as inp([instance("i-1", "running")], [cpu_alarm("i-2", "eu-west-1")])
	count(findings) == 1
	some f in findings
	f.resource == "i-1"
	f.file == "instances.json"
	f.msg == "running instance i-1 has no CloudWatch alarm on its CPUUtilization"
}

test_alarm_in_another_region_does_not_count if {
	count(rule.deny) == 1 with input as inp([instance("i-1", "running")], [cpu_alarm("i-1", "us-east-1")])
}

test_other_metric_does_not_count if {
	a := {"name": "net", "region": "eu-west-1", "metrics": [{"namespace": "AWS/EC2", "name": "NetworkIn", "dimensions": {"InstanceId": "i-1"}}]}
	count(rule.deny) == 1 with input as inp([instance("i-1", "running")], [a])
}

test_stopped_instances_are_skipped if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "stopped")], [])
}

test_not_evaluated_without_alarms if {
	i := object.union(inp([instance("i-1", "running")], []), {"supplied": {"instances": true, "alarms": false}})
	count(rule.deny) == 0 with input as i
}

test_alarm_of_unknown_region_counts if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "running")], [cpu_alarm("i-1", null)])
}

test_instance_of_unknown_region_is_served_by_any_alarm if {
	i := object.union(instance("i-1", "running"), {"region": null})
	count(rule.deny) == 0 with input as inp([i], [cpu_alarm("i-1", "us-east-1")])
}
