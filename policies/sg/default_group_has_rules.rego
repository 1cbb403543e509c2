# METADATA
# title: Default security groups should allow no traffic
# description: |
#   Reports each VPC's default security group that has any ingress or egress
#   rule. Instances launched without an explicit group land in the default
#   one, and AWS creates it allowing all traffic between its members and all
#   traffic out; CIS AWS Foundations (control 5.4, EC2.2 in Security Hub)
#   recommends that it restrict all traffic, so that every instance's access
#   is granted by a group someone chose on purpose.
# custom:
#   id: SG-004
#   severity: low
#   remediation: |
#     Move any instance that uses the default group to a purpose-made group,
#     then remove all of the default group's rules, e.g.
#       aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions '[{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"<sg-id>"}]}]'
#       aws ec2 revoke-security-group-egress --group-id <sg-id> --ip-permissions '[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]'
#     (aws ec2 describe-security-groups --group-ids <sg-id> shows the exact rules to revoke).
package stopguard.sg.default_group_has_rules

import rego.v1

import data.stopguard.lib.util

deny contains finding if {
	some group in input.ec2.security_groups
	group.is_default == true
	ingress := count(object.get(group, "ingress", []))
	egress := count(object.get(group, "egress", []))
	ingress + egress > 0
	finding := object.union(
		{
			"msg": sprintf(
				"default security group %s%s has %d ingress and %d egress rules; it should allow no traffic",
				[group.id, vpc_text(group), ingress, egress],
			),
			"resource": group.id,
			"details": {
				"ingress_rules": ingress,
				"egress_rules": egress,
				"region": object.get(group, "region", null),
				"vpc_id": object.get(group, "vpc_id", null),
			},
		},
		util.location(group),
	)
}

vpc_text(group) := sprintf(" of %s", [group.vpc_id]) if {
	util.has_text(group.vpc_id)
} else := ""
