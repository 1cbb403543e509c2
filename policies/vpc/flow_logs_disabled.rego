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
	some vpc in live_vpcs - active_flow_log_resources
	instances := sort([i.id | some i in input.ec2.instances; i.vpc_id == vpc; live(i)])
	regions := {object.get(i, "region", null) | some i in input.ec2.instances; i.vpc_id == vpc}
	finding := {
		"msg": sprintf("VPC %s (instances %s) has no active flow log", [vpc, concat(", ", instances)]),
		"resource": vpc,
		"details": {"instances": instances, "region": min(regions)},
	}
}

live(instance) if object.get(instance, "state", null) != "terminated"

# The VPCs with a live instance, found in one pass; only those without a flow
# log are then looked at again, for their instances.
live_vpcs := {vpc |
	some instance in input.ec2.instances
	live(instance)
	vpc := object.get(instance, "vpc_id", null)
	is_string(vpc)
	vpc != ""
}

active_flow_log_resources := {flow.resource_id |
	some flow in input.ec2.flow_logs
	object.get(flow, "status", "ACTIVE") in {"ACTIVE", null}
}
