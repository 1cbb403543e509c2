# METADATA
# title: Only the allowed public ports may be open to the internet
# description: |
#   Reports each TCP or UDP ingress rule that admits traffic from anywhere
#   (`world_cidrs`) to a port that is not in `allowed_public_ports` (by
#   default only 443, HTTPS). A port range is reported as a whole when it
#   contains any port that is not allowed. Rules admitting all traffic are
#   left to SG-002, and a rule whose only such ports are administration ports
#   (`admin_ports`) to SG-001, so one rule is not reported twice for the same
#   reason. Plain HTTP (80) is not allowed by default, since HTTPS (443) is
#   the allowed public port: without TLS, passwords, API tokens and session
#   cookies cross the internet in clear text, where anyone on the path can
#   read them (and hijack the session) or alter the page; a load balancer can
#   answer on 80 with a redirect to HTTPS instead of serving content.
# custom:
#   id: SG-003
#   severity: medium
#   remediation: |
#     Revoke the world-open rule, then admit the port only from the networks
#     that need it (or put the service behind a load balancer or VPN):
#       aws ec2 revoke-security-group-ingress --group-id <sg-id> --protocol tcp --port <port-or-range> --cidr 0.0.0.0/0
#       aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port <port> --cidr 10.0.0.0/8
#     For HTTP, serve HTTPS on 443 (a certificate from ACM is free) and let
#     the load balancer answer port 80 only with a redirect to HTTPS, so no
#     credential or session cookie is ever sent in clear text
#     (aws elbv2 create-listener --protocol HTTP --port 80 --default-actions
#     'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}' ...).
#     If the port is meant to be public, add it to `allowed_public_ports`.
#   parameters: [allowed_public_ports, admin_ports, world_cidrs]
package stopguard.sg.non_public_port_open_to_world

import rego.v1

import data.stopguard.lib.sg
import data.stopguard.lib.util

deny contains finding if {
	some group in input.ec2.security_groups
	some index, rule in group.ingress
	sources := sg.world_sources(rule, data.params.world_cidrs)
	count(sources) > 0
	not sg.covers_all_ports(rule)
	[from, to] := sg.port_range(rule)
	exposes_unlisted_port(from, to)
	finding := object.union(
		{
			"msg": sprintf(
				"security group %s (%s) allows %s %s from %s, %s",
				[group.id, group.name, sg.protocol_text(rule), sg.ports_text(rule), concat(", ", sort(sources)), why(from, to)],
			),
			"resource": group.id,
			"details": {
				"rule_index": index,
				"protocol": rule.protocol,
				"from_port": from,
				"to_port": to,
				"sources": sort(sources),
				"allowed_public_ports": data.params.allowed_public_ports,
				"region": object.get(group, "region", null),
				"vpc_id": object.get(group, "vpc_id", null),
			},
		},
		util.part_location(group, rule),
	)
}

# Ports a world-open rule may cover without this check saying so: the allowed
# public ports, and the admin ports (SG-001 reports those, at a higher severity).
accounted_ports := {p | some p in data.params.allowed_public_ports} | {p | some p in data.params.admin_ports}

# The range [from, to] holds a port that is neither allowed nor an admin port.
exposes_unlisted_port(from, to) if {
	listed := {p | some p in accounted_ports; from <= p; p <= to}
	count(listed) < (to - from) + 1
}

allowed_text := concat(", ", [sprintf("%d", [p]) | some p in sort(data.params.allowed_public_ports)]) if {
	count(data.params.allowed_public_ports) > 0
} else := "none"

# Why the rule is reported; plain HTTP when HTTPS is the allowed alternative gets the reason.
why(from, to) := sprintf("%s; plain HTTP sends credentials, session cookies and page data unencrypted, so anyone on the path can read or alter them; serve HTTPS (TLS) on 443 and redirect port 80 to it at the load balancer", [reason(from, to)]) if {
	from == 80
	to == 80
	443 in data.params.allowed_public_ports
} else := reason(from, to)

reason(from, to) := sprintf("which is not an allowed public port (allowed: %s)", [allowed_text]) if {
	from == to
} else := sprintf("a range with ports that are not allowed public ports (allowed: %s)", [allowed_text])
