package stopguard.vpc.nacl_allows_all_inbound_test

import rego.v1

import data.stopguard.vpc.nacl_allows_all_inbound as rule

entry(n, protocol, action, egress, cidr) := {
	"rule_number": n, "protocol": protocol, "action": action, "egress": egress,
	"cidr": cidr, "ipv6_cidr": null,
}

acl(entries) := {"id": "acl-1", "vpc_id": "vpc-a", "is_default": false, "subnets": ["subnet-1"], "entries": entries, "file": "nacls.json"}

inp(acls) := {"supplied": {"network_acls": true}, "ec2": {"network_acls": acls}}

default_deny := entry(32767, "-1", "deny", false, "0.0.0.0/0")

test_allow_all_inbound_is_reported if {
	findings := rule.deny with input as inp([acl([entry(100, "-1", "allow", false, "0.0.0.0/0"), default_deny])])
	count(findings) == 1
	some f in findings
	f.resource == "acl-1"
	f.msg == "network ACL acl-1 in vpc-a allows all inbound traffic from 0.0.0.0/0 (rule 100)"
	f.file == "nacls.json"
}

test_default_acl_says_so if {
	a := object.union(acl([entry(100, "-1", "allow", false, "0.0.0.0/0")]), {"is_default": true})
	some f in rule.deny with input as inp([a])
	endswith(f.msg, "(the VPC's default ACL, as created)")
}

test_ipv6_allow_all_is_reported if {
	e := object.union(entry(101, "-1", "allow", false, null), {"ipv6_cidr": "::/0"})
	some f in rule.deny with input as inp([acl([e])])
	f.details.source == "::/0"
}

test_lower_numbered_deny_all_wins if {
	count(rule.deny) == 0 with input as inp([acl([entry(90, "-1", "deny", false, "0.0.0.0/0"), entry(100, "-1", "allow", false, "0.0.0.0/0")])])
}

test_higher_numbered_deny_does_not_help if {
	count(rule.deny) == 1 with input as inp([acl([entry(110, "-1", "deny", false, "0.0.0.0/0"), entry(100, "-1", "allow", false, "0.0.0.0/0")])])
}

test_partial_deny_does_not_shadow if {
	count(rule.deny) == 1 with input as inp([acl([entry(90, "6", "deny", false, "0.0.0.0/0"), entry(100, "-1", "allow", false, "0.0.0.0/0")])])
}

test_egress_and_narrow_rules_pass if {
	count(rule.deny) == 0 with input as inp([acl([
		entry(100, "-1", "allow", true, "0.0.0.0/0"),
		entry(110, "6", "allow", false, "0.0.0.0/0"),
		entry(120, "-1", "allow", false, "10.0.0.0/8"),
		default_deny,
	])])
}

test_not_evaluated_without_acls if {
	count(rule.deny) == 0 with input as {"supplied": {"network_acls": false}, "ec2": {"network_acls": [acl([entry(100, "-1", "allow", false, "0.0.0.0/0")])]}}
}
