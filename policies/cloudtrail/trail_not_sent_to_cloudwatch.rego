# METADATA
# title: Trails must deliver to CloudWatch Logs
# description: |
#   Reports each trail that does not send its events to a CloudWatch Logs log
#   group. S3 delivery alone keeps a record but raises no alarm: only in
#   CloudWatch Logs can a metric filter on eventName = StopInstances (or on
#   StopLogging, DeleteTrail, security-group changes) page someone while it
#   matters (CIS AWS Foundations 3.4 and 4.x).
# custom:
#   id: CT-005
#   severity: medium
#   remediation: |
#     Create a log group and a role CloudTrail can assume to write to it, then:
#       aws cloudtrail update-trail --name <trail> \
#         --cloud-watch-logs-log-group-arn arn:aws:logs:<region>:<account>:log-group:<group>:* \
#         --cloud-watch-logs-role-arn arn:aws:iam::<account>:role/<cloudtrail-to-cloudwatch-role>
#     and alarm on stops:
#       aws logs put-metric-filter --log-group-name <group> --filter-name ec2-stop \
#         --filter-pattern '{ $.eventName = "StopInstances" }' \
#         --metric-transformations metricName=Ec2StopInstances,metricNamespace=Audit,metricValue=1
package stopguard.cloudtrail.trail_not_sent_to_cloudwatch

import rego.v1

import data.stopguard.lib.cloudtrail
import data.stopguard.lib.util

deny contains finding if {
	some trail in input.cloudtrail.trails
	not util.has_text(object.get(trail, "cloudwatch_log_group", null))
	finding := object.union(
		{
			"msg": sprintf("trail %s does not send events to CloudWatch Logs, so no alarm can fire on StopInstances calls", [trail.name]),
			"resource": cloudtrail.trail_id(trail),
			"details": {"trail": trail.name},
		},
		util.field_location(trail, "cloudwatch_log_group"),
	)
}
