# METADATA
# title: No security group may admit all traffic from the internet
# description: |
#   Reports each ingress rule that admits every protocol (protocol "-1") or
#   every TCP or UDP port (0-65535) from anywhere (`world_cidrs`). Every
#   service on the instances, including ones never meant to be reachable
#   (databases, agents, admin consoles), is then exposed to the internet.
# custom:
#   id: SG-002
#   severity: high
#   remediation: |
#     Revoke the rule and admit only the ports the service needs, from the
#     sources that need them:
#       aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
#       aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port 443 --cidr 0.0.0.0/0
#     (for a TCP/UDP rule use IpProtocol=tcp,FromPort=0,ToPort=65535; for IPv6, Ipv6Ranges=[{CidrIpv6=::/0}]).
#   parameters: [world_cidrs]
package stopguard.sg.all_traffic_open_to_world

import rego.v1

import data.stopguard.lib.sg
import data.stopguard.lib.util

deny contains finding if {
	some group in input.ec2.security_groups
	some index, rule in group.ingress
	sources := sg.world_sources(rule, data.params.world_cidrs)
	count(sources) > 0
	sg.covers_all_ports(rule)
	finding := object.union(
		{
			"msg": sprintf(
				"security group %s (%s) allows %s on %s from %s",
				[group.id, group.name, sg.protocol_text(rule), sg.ports_text(rule), concat(", ", sort(sources))],
			),
			"resource": group.id,
			"details": {
				"rule_index": index,
				"protocol": rule.protocol,
				"from_port": object.get(rule, "from_port", null),
				"to_port": object.get(rule, "to_port", null),
				"sources": sort(sources),
				"region": object.get(group, "region", null),
				"vpc_id": object.get(group, "vpc_id", null),
			},
		},
		util.part_location(group, rule),
	)
}
