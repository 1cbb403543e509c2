# METADATA
# title: The VPCs of the instances must have flow logs
# description: |
#   Reports each VPC that holds an instance (not terminated) but has no active
#   VPC-level flow log (describe-flow-logs: ResourceId is the VPC,
#   FlowLogStatus ACTIVE or absent). Without flow logs there is no record of
#   who talked to an instance before it was stopped, or from where. Flow logs
#   on single subnets or network interfaces do not count: they leave the rest
#   of the VPC unrecorded. Runs only when both the instances and the flow logs
#   (aws ec2 describe-flow-logs) were supplied.
# custom:
#   id: VPC-001
#   severity: medium
#   remediation: |
#     Turn on flow logs for the VPC, e.g. to CloudWatch Logs:
#       aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> \
#         --traffic-type ALL --log-destination-type cloud-watch-logs \
#         --log-group-name vpc-flow-logs \
#         --deliver-logs-permission-arn arn:aws:iam::<account>:role/<flow-logs-role>
#     or to S3: --log-destination-type s3 --log-destination arn:aws:s3:::<bucket>
package stopguard.vpc.flow_logs_disabled

import rego.v1

deny contains finding if {
	input.supplied.instances == true
	input.supplied.flow_logs == true
	some vpc, instances in vpc_instances
	not logged(vpc)
	finding := {
		"msg": sprintf("VPC %s (instances %s) has no active flow log", [vpc, concat(", ", instances)]),
		"resource": vpc,
		"details": {"instances": instances, "region": vpc_region[vpc]},
	}
}

vpc_instances[vpc] := sort([i.id |
	some i in input.ec2.instances
	i.vpc_id == vpc
	object.get(i, "state", null) != "terminated"
]) if {
	some instance in input.ec2.instances
	vpc := object.get(instance, "vpc_id", null)
	is_string(vpc)
	vpc != ""
	object.get(instance, "state", null) != "terminated"
}

vpc_region[vpc] := region if {
	some vpc, _ in vpc_instances
	regions := {object.get(i, "region", null) | some i in input.ec2.instances; i.vpc_id == vpc}
	region := min(regions)
}

logged(vpc) if {
	some flow in input.ec2.flow_logs
	flow.resource_id == vpc
	object.get(flow, "status", "ACTIVE") in {"ACTIVE", null}
}
