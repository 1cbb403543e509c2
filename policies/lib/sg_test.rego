package stopguard.lib.sg_test

import rego.v1

import data.stopguard.lib.sg

world := ["0.0.0.0/0", "::/0"]

tcp(from, to, v4) := {"protocol": "tcp", "from_port": from, "to_port": to, "ipv4_ranges": v4, "ipv6_ranges": [], "security_groups": [], "prefix_lists": []}

all_traffic(v4, v6) := {"protocol": "-1", "from_port": null, "to_port": null, "ipv4_ranges": v4, "ipv6_ranges": v6, "security_groups": [], "prefix_lists": []}

test_open_to_world_ipv4 if {
	sg.open_to_world(tcp(22, 22, ["10.0.0.0/8", "0.0.0.0/0"]), world)
	sg.world_sources(tcp(22, 22, ["10.0.0.0/8", "0.0.0.0/0"]), world) == {"0.0.0.0/0"}
}

test_open_to_world_ipv6 if {
	sg.open_to_world(all_traffic([], ["::/0"]), world)
}

test_not_open_to_world if {
	not sg.open_to_world(tcp(22, 22, ["10.0.0.0/8"]), world)
	not sg.open_to_world({"protocol": "tcp", "from_port": 22, "to_port": 22, "security_groups": ["sg-1"]}, world)
}

test_covers_port_tcp_range if {
	sg.covers_port(tcp(22, 22, []), 22)
	sg.covers_port(tcp(20, 25, []), 22)
	not sg.covers_port(tcp(23, 25, []), 22)
	not sg.covers_port(tcp(80, 80, []), 22)
}

test_covers_port_all_protocols if {
	sg.covers_port(all_traffic([], []), 3389)
	sg.covers_port({"protocol": "-1"}, 22)
}

test_covers_port_needs_ports if {
	not sg.covers_port({"protocol": "tcp", "from_port": null, "to_port": null}, 22)
	not sg.covers_port({"protocol": "icmp", "from_port": -1, "to_port": -1}, 22)
}

test_covers_port_udp_and_numbers if {
	sg.covers_port({"protocol": "udp", "from_port": 3389, "to_port": 3389}, 3389)
	sg.covers_port({"protocol": "6", "from_port": 0, "to_port": 100}, 22)
}

test_covers_all_ports if {
	sg.covers_all_ports(all_traffic([], []))
	sg.covers_all_ports(tcp(0, 65535, []))
	not sg.covers_all_ports(tcp(1, 65535, []))
	not sg.covers_all_ports({"protocol": "icmp", "from_port": -1, "to_port": -1})
}

test_ports_text if {
	sg.ports_text(tcp(22, 22, [])) == "port 22"
	sg.ports_text(tcp(1000, 2000, [])) == "ports 1000-2000"
	sg.ports_text(all_traffic([], [])) == "all ports"
	sg.ports_text(tcp(0, 65535, [])) == "all ports"
}

test_protocol_text if {
	sg.protocol_text(tcp(22, 22, [])) == "TCP"
	sg.protocol_text({"protocol": "17"}) == "UDP"
	sg.protocol_text({"protocol": "-1"}) == "all traffic"
	sg.protocol_text({"protocol": "50"}) == "protocol 50"
}
