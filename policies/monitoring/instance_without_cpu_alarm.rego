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

import data.stopguard.lib.regions
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

watched(instance) if {
	some alarm in input.cloudwatch.metric_alarms
	regions.serves(alarm, object.get(instance, "region", null))
	some metric in alarm.metrics
	metric.namespace == "AWS/EC2"
	metric.name == "CPUUtilization"
	object.get(metric.dimensions, "InstanceId", null) == instance.id
}
