package stopguard.sg.all_traffic_open_to_world_test

import rego.v1

import data.stopguard.sg.all_traffic_open_to_world as rule

params := {"world_cidrs": ["0.0.0.0/0", "::/0"]}

perm(protocol, from, to, v4, v6) := {
	"protocol": protocol, "from_port": from, "to_port": to,
	"ipv4_ranges": v4, "ipv6_ranges": v6, "security_groups": [], "prefix_lists": [],
}

group(ingress) := {"id": "sg-2", "name": "open", "is_default": false, "ingress": ingress, "egress": [], "tags": {}, "file": "sg.json"}

inp(groups) := {"ec2": {"security_groups": groups, "instances": []}}

test_all_protocols_from_world_is_reported if {
	findings := rule.deny with input as inp([group([perm("-1", null, null, ["0.0.0.0/0"], ["::/0"])])]) with data.params as params
	count(findings) == 1
	some f in findings
	f.resource == "sg-2"
	f.file == "sg.json"
	f.details.sources == ["0.0.0.0/0", "::/0"]
	f.msg == "security group sg-2 (open) allows all traffic on all ports from 0.0.0.0/0, ::/0"
}

test_all_tcp_ports_from_world_is_reported if {
	findings := rule.deny with input as inp([group([perm("tcp", 0, 65535, ["0.0.0.0/0"], [])])]) with data.params as params
	some f in findings
	f.msg == "security group sg-2 (open) allows TCP on all ports from 0.0.0.0/0"
}

test_all_traffic_from_private_range_passes if {
	count(rule.deny) == 0 with input as inp([group([perm("-1", null, null, ["10.0.0.0/8"], [])])]) with data.params as params
}

test_port_range_from_world_is_not_all_traffic if {
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 1024, 65535, ["0.0.0.0/0"], [])])]) with data.params as params
}

test_icmp_from_world_is_not_all_traffic if {
	count(rule.deny) == 0 with input as inp([group([perm("icmp", -1, -1, ["0.0.0.0/0"], [])])]) with data.params as params
}
