# METADATA
# title: Network ACLs must not allow all inbound traffic from anywhere
# description: |
#   Reports each network ACL with an inbound (not egress) entry that allows
#   every protocol (-1) from anywhere (`world_cidrs`, by default 0.0.0.0/0 and
#   ::/0) and takes effect: entries are evaluated in ascending rule number and
#   the first match decides, so an allow-all behind a lower-numbered deny-all
#   for the same source is harmless and not reported. A lower-numbered deny of
#   some ports only does not make it harmless. The default network ACL of a
#   VPC allows everything in unless changed; the finding says when the ACL is
#   the default. Security groups still filter traffic, but a subnet whose ACL
#   admits everything has one layer of defence, not two. Runs only when
#   describe-network-acls output was supplied.
# custom:
#   id: VPC-002
#   severity: medium
#   remediation: |
#     Replace the allow-all entry with entries for the traffic the subnet
#     serves, e.g.:
#       aws ec2 replace-network-acl-entry --network-acl-id <acl-id> --ingress \
#         --rule-number <n> --protocol tcp --port-range From=443,To=443 \
#         --cidr-block 0.0.0.0/0 --rule-action allow
#     (and allow return traffic on ephemeral ports 1024-65535), or delete it:
#       aws ec2 delete-network-acl-entry --network-acl-id <acl-id> --ingress --rule-number <n>
#   parameters: [world_cidrs]
package stopguard.vpc.nacl_allows_all_inbound

import rego.v1

import data.stopguard.lib.util

deny contains finding if {
	input.supplied.network_acls == true
	some acl in input.ec2.network_acls
	some entry in acl.entries
	allows_all_from_world(entry)
	source := world_source(entry)
	not shadowed(acl, entry, source)
	finding := object.union(
		{
			"msg": sprintf(
				"network ACL %s%s allows all inbound traffic from %s (rule %d)%s",
				[acl.id, vpc_text(acl), source, entry.rule_number, default_text(acl)],
			),
			"resource": acl.id,
			"details": {
				"rule_number": entry.rule_number,
				"source": source,
				"vpc_id": object.get(acl, "vpc_id", null),
				"is_default": object.get(acl, "is_default", false),
				"subnets": object.get(acl, "subnets", []),
				"region": object.get(acl, "region", null),
			},
		},
		util.file_of(acl),
	)
}

inbound_all(entry) if {
	entry.egress == false
	entry.protocol == "-1"
}

allows_all_from_world(entry) if {
	inbound_all(entry)
	lower(entry.action) == "allow"
	world_source(entry)
}

world_source(entry) := entry.cidr if {
	entry.cidr in data.params.world_cidrs
} else := entry.ipv6_cidr if {
	entry.ipv6_cidr in data.params.world_cidrs
}

# A lower-numbered inbound deny of all traffic from the same source wins first.
shadowed(acl, entry, source) if {
	some other in acl.entries
	inbound_all(other)
	lower(other.action) == "deny"
	other.rule_number < entry.rule_number
	world_source(other) == source
}

vpc_text(acl) := sprintf(" in %s", [acl.vpc_id]) if {
	util.has_text(object.get(acl, "vpc_id", null))
} else := ""

default_text(acl) := " (the VPC's default ACL, as created)" if {
	object.get(acl, "is_default", false) == true
} else := ""
