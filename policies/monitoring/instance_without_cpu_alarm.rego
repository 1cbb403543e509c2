# METADATA
# title: Running instances should have a CPU utilisation alarm
# description: |
#   Reports each running instance that no CloudWatch metric alarm watches for
#   CPU utilisation: an alarm (or a metric-math alarm's query) on namespace
#   AWS/EC2, metric CPUUtilization, with dimension InstanceId equal to the
#   instance, in the instance's region. A stuck or runaway instance, or one
#   stopped and restarted on the quiet, then goes unnoticed. Runs only when
#   both the instances and the alarms (aws cloudwatch describe-alarms) were
#   supplied.
# custom:
#   id: MON-002
#   severity: low
#   remediation: |
#     Alarm on the instance's CPU:
#       aws cloudwatch put-metric-alarm --alarm-name cpu-<instance-id> \
#         --namespace AWS/EC2 --metric-name CPUUtilization \
#         --dimensions Name=InstanceId,Value=<instance-id> --statistic Average \
#         --period 300 --evaluation-periods 3 --threshold 90 \
#         --comparison-operator GreaterThanThreshold \
#         --alarm-actions arn:aws:sns:<region>:<account>:ops-alerts
package stopguard.monitoring.instance_without_cpu_alarm

import rego.v1

import data.stopguard.lib.util

deny contains finding if {
	input.supplied.instances == true
	input.supplied.alarms == true
	some instance in input.ec2.instances
	object.get(instance, "state", null) == "running"
	not watched(instance)
	finding := object.union(
		{
			"msg": sprintf("running instance %s has no CloudWatch alarm on its CPUUtilization", [instance.id]),
			"resource": instance.id,
			"details": {"region": object.get(instance, "region", null), "arn": object.get(instance, "arn", null)},
		},
		util.file_of(instance),
	)
}

# [instance id, region of the alarm] for every CPU alarm, built in one pass:
# looking through every alarm for every instance would be quadratic in a large
# account.
cpu_alarms := {[id, object.get(alarm, "region", null)] |
	some alarm in input.cloudwatch.metric_alarms
	some metric in alarm.metrics
	metric.namespace == "AWS/EC2"
	metric.name == "CPUUtilization"
	id := object.get(metric.dimensions, "InstanceId", null)
	is_string(id)
}

watched(instance) if [instance.id, object.get(instance, "region", null)] in cpu_alarms

# An alarm of unknown region serves any instance.
watched(instance) if [instance.id, null] in cpu_alarms

# An instance of unknown region is served by an alarm of any region.
watched(instance) if {
	object.get(instance, "region", null) == null
	some pair in cpu_alarms
	pair[0] == instance.id
}
