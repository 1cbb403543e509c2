package stopguard.sg.non_public_port_open_to_world_test

import rego.v1

import data.stopguard.sg.non_public_port_open_to_world as rule

params := {"allowed_public_ports": [443], "admin_ports": [22, 3389], "world_cidrs": ["0.0.0.0/0", "::/0"]}

perm(protocol, from, to, v4) := {
	"protocol": protocol, "from_port": from, "to_port": to,
	"ipv4_ranges": v4, "ipv6_ranges": [], "security_groups": [], "prefix_lists": [],
}

group(ingress) := {"id": "sg-3", "name": "app", "is_default": false, "ingress": ingress, "egress": [], "tags": {}, "file": "sg.json"}

inp(groups) := {"ec2": {"security_groups": groups, "instances": []}}

test_https_from_world_passes if {
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 443, 443, ["0.0.0.0/0"])])]) with data.params as params
}

test_http_from_world_explains_tls if {
	findings := rule.deny with input as inp([group([perm("tcp", 80, 80, ["0.0.0.0/0"])])]) with data.params as params
	count(findings) == 1
	some f in findings
	f.resource == "sg-3"
	f.file == "sg.json"
	f.details.from_port == 80
	f.msg == "security group sg-3 (app) allows TCP port 80 from 0.0.0.0/0, which is not an allowed public port (allowed: 443); plain HTTP sends credentials, session cookies and page data unencrypted, so anyone on the path can read or alter them; serve HTTPS (TLS) on 443 and redirect port 80 to it at the load balancer"
}

test_http_allowed_by_parameter_passes if {
	p := object.union(params, {"allowed_public_ports": [80, 443]})
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 80, 80, ["0.0.0.0/0"])])]) with data.params as p
}

test_database_port_from_world_is_reported if {
	findings := rule.deny with input as inp([group([perm("tcp", 5432, 5432, ["0.0.0.0/0"])])]) with data.params as params
	some f in findings
	f.msg == "security group sg-3 (app) allows TCP port 5432 from 0.0.0.0/0, which is not an allowed public port (allowed: 443)"
}

test_range_is_reported_as_range if {
	findings := rule.deny with input as inp([group([perm("udp", 1000, 2000, ["0.0.0.0/0"])])]) with data.params as params
	count(findings) == 1
	some f in findings
	f.details.from_port == 1000
	f.details.to_port == 2000
	f.msg == "security group sg-3 (app) allows UDP ports 1000-2000 from 0.0.0.0/0, a range with ports that are not allowed public ports (allowed: 443)"
}

test_all_traffic_is_left_to_sg_002 if {
	count(rule.deny) == 0 with input as inp([group([perm("-1", null, null, ["0.0.0.0/0"]), perm("tcp", 0, 65535, ["0.0.0.0/0"])])])
		with data.params as params
}

test_admin_port_alone_is_left_to_sg_001 if {
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 22, 22, ["0.0.0.0/0"])])]) with data.params as params
}

test_range_with_admin_and_other_ports_is_reported if {
	findings := rule.deny with input as inp([group([perm("tcp", 20, 23, ["0.0.0.0/0"])])]) with data.params as params
	some f in findings
	f.details.from_port == 20
}

test_private_source_passes if {
	count(rule.deny) == 0 with input as inp([group([perm("tcp", 5432, 5432, ["10.0.0.0/16"])])]) with data.params as params
}

test_no_allowed_ports if {
	p := object.union(params, {"allowed_public_ports": []})
	findings := rule.deny with input as inp([group([perm("tcp", 443, 443, ["0.0.0.0/0"])])]) with data.params as p
	some f in findings
	endswith(f.msg, "(allowed: none)")
}

test_icmp_is_not_a_port_rule if {
	count(rule.deny) == 0 with input as inp([group([perm("icmp", 8, -1, ["0.0.0.0/0"])])]) with data.params as params
}
