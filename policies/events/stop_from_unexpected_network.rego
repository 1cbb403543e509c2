# METADATA
# title: Instances must be stopped only from allowed networks
# description: |
#   Reports each successful StopInstances call in the CloudTrail logs whose
#   sourceIPAddress lies outside every range in `allowed_source_cidrs` (your
#   offices, VPN egress, CI runners, NAT gateways). With the default, an empty
#   list, the check is off: stopguard cannot guess your networks. Calls whose
#   source is not an IP address (an AWS service name such as
#   ec2.amazonaws.com, or "AWS Internal") are not judged.
# custom:
#   id: EVT-004
#   severity: medium
#   remediation: |
#     Find out who owns the address (whois, your VPN and proxy logs). If the
#     call was not expected, treat the principal's credentials as leaked:
#     deactivate its access keys (aws iam update-access-key --status Inactive)
#     or revoke the role's sessions, and restart the instances. To make such
#     calls fail in future, deny ec2:StopInstances outside your ranges with a
#     NotIpAddress condition on aws:SourceIp. If the address is legitimate, add
#     its range to `allowed_source_cidrs`.
#   parameters: [allowed_source_cidrs]
package stopguard.events.stop_from_unexpected_network

import rego.v1

import data.stopguard.lib.events

deny contains finding if {
	count(data.params.allowed_source_cidrs) > 0
	some e in events.stops
	is_ip(e.source_ip)
	not allowed(e.source_ip)
	finding := events.finding(
		e,
		sprintf("%s, an address outside allowed_source_cidrs", [events.summary(e)]),
		{"allowed_source_cidrs": data.params.allowed_source_cidrs},
	)
}

is_ip(s) if regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}$`, s)

is_ip(s) if regex.match(`^[0-9a-fA-F]*:[0-9a-fA-F:.]+$`, s)

allowed(ip) if {
	some cidr in data.params.allowed_source_cidrs
	same_family(cidr, ip)
	net.cidr_contains(cidr, ip)
}

same_family(cidr, ip) if contains(cidr, ":") == contains(ip, ":")
