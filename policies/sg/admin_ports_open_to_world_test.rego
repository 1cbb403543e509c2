package stopguard.sg.admin_ports_open_to_world_test

import rego.v1

import data.stopguard.sg.admin_ports_open_to_world as rule

params := {"admin_ports": [22, 3389], "world_cidrs": ["0.0.0.0/0", "::/0"]}

perm(protocol, from, to, v4, v6) := {
	"protocol": protocol, "from_port": from, "to_port": to,
	"ipv4_ranges": v4, "ipv6_ranges": v6, "security_groups": [], "prefix_lists": [],
}

group(ingress) := {
	"id": "sg-1", "name": "web", "is_default": false, "region": "us-east-1", "vpc_id": "vpc-1",
	"ingress": ingress, "egress": [], "tags": {}, "file": "sg.json",
}

inp(groups) := {"ec2": {"security_groups": groups, "instances": []}}

test_ssh_from_world_is_reported if {
	findings := rule.deny with input as inp([group([perm("tcp", 22, 22, ["0.0.0.0/0"], [])])]) with data.params as params
	count(findings) == 1
	some f in findings
	f.resource == "sg-1"
	f.file == "sg.json"
	f.details.port == 22
	f.msg == "security group sg-1 (web) allows TCP from 0.0.0.0/0 to admin port 22"
}

test_rdp_from_ipv6_world_is_reported if {
	findings := rule.deny with input as inp([group([perm("tcp", 3389, 3389, [], ["::/0"])])]) with data.params as params
	some f in findings
	f.details.port == 3389
	f.details.sources == ["::/0"]
}

test_range_and_all_traffic_name_each_port if {
	findings := rule.deny with input as inp([group([perm("tcp", 0, 4000, ["0.0.0.0/0"], []), perm("-1", null, null, ["0.0.0.0/0"], [])])])
		with data.params as params
	count(findings) == 4
	some f in findings
	f.details.rule_index == 0
	f.details.port == 3389
	f.msg == "security group sg-1 (web) allows TCP from 0.0.0.0/0 to admin port 3389 (rule covers ports 0-4000)"
}

test_restricted_source_passes if {
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 22, 22, ["10.0.0.0/8"], [])])]) with data.params as params
}

test_other_port_from_world_passes if {
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 443, 443, ["0.0.0.0/0"], ["::/0"])])]) with data.params as params
}

test_custom_admin_ports if {
	p := object.union(params, {"admin_ports": [5432]})
	findings := rule.deny with input as inp([group([perm("tcp", 5432, 5432, ["0.0.0.0/0"], [])])]) with data.params as p
	some f in findings
	f.details.port == 5432
}

test_egress_is_ignored if {
	g := object.union(group([]), {"egress": [perm("-1", null, null, ["0.0.0.0/0"], [])]})
	count(rule.deny) == 0 with input as inp([g]) with data.params as params
}
