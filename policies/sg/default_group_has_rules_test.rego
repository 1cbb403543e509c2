package stopguard.sg.default_group_has_rules_test

import rego.v1

import data.stopguard.sg.default_group_has_rules as rule

all_out := {"protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"], "ipv6_ranges": [], "security_groups": [], "prefix_lists": []}

self_in := {"protocol": "-1", "ipv4_ranges": [], "ipv6_ranges": [], "security_groups": ["sg-d"], "prefix_lists": []}

group(is_default, ingress, egress) := {
	"id": "sg-d", "name": "default", "is_default": is_default, "vpc_id": "vpc-1",
	"ingress": ingress, "egress": egress, "tags": {}, "file": "sg.json",
}

inp(groups) := {"ec2": {"security_groups": groups, "instances": []}}

test_default_group_with_rules_is_reported if {
	findings := rule.deny with input as inp([group(true, [self_in], [all_out])])
	count(findings) == 1
	some f in findings
	f.resource == "sg-d"
	f.file == "sg.json"
	f.msg == "default security group sg-d of vpc-1 has 1 ingress and 1 egress rules; it should allow no traffic"
}

test_egress_only_is_reported if {
	findings := rule.deny with input as inp([group(true, [], [all_out])])
	some f in findings
	f.details.egress_rules == 1
}

test_empty_default_group_passes if {
	count(rule.deny) == 0 with input as inp([group(true, [], [])])
}

test_non_default_group_passes if {
	count(rule.deny) == 0 with input as inp([group(false, [self_in], [all_out])])
}
