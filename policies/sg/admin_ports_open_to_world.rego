# METADATA
# title: Administration ports must not be open to the internet
# description: |
#   Reports each ingress rule that admits traffic from anywhere (a CIDR in
#   `world_cidrs`, by default 0.0.0.0/0 and ::/0) to an administration port
#   (`admin_ports`, by default 22 for SSH and 3389 for RDP), whether the rule
#   names the port, a range containing it, or all traffic. Exposed SSH and RDP
#   are brute-forced within minutes of going public, and a shell on an
#   instance is all it takes to stop it (or worse).
# custom:
#   id: SG-001
#   severity: high
#   remediation: |
#     Remove the world-open rule and admit administration traffic only from
#     known addresses, or better not at all (use SSM Session Manager):
#       aws ec2 revoke-security-group-ingress --group-id <sg-id> --protocol tcp --port 22 --cidr 0.0.0.0/0
#       aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port 22 --cidr 203.0.113.0/24
#     (for an IPv6 rule: --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]').
#   parameters: [admin_ports, world_cidrs]
package stopguard.sg.admin_ports_open_to_world

import rego.v1

import data.stopguard.lib.sg
import data.stopguard.lib.util

deny contains finding if {
	some group in input.ec2.security_groups
	some index, rule in group.ingress
	sources := sg.world_sources(rule, data.params.world_cidrs)
	count(sources) > 0
	some port in data.params.admin_ports
	sg.covers_port(rule, port)
	finding := object.union(
		{
			"msg": sprintf(
				"security group %s (%s) allows %s from %s to admin port %d%s",
				[group.id, group.name, sg.protocol_text(rule), concat(", ", sort(sources)), port, port_note(rule, port)],
			),
			"resource": group.id,
			"details": {
				"port": port,
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

# When the rule is wider than the port, say how wide.
port_note(rule, port) := "" if {
	[port, port] == sg.port_range(rule)
} else := sprintf(" (rule covers %s)", [sg.ports_text(rule)])
