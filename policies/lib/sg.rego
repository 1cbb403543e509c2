# Security-group rule helpers: sources, protocols and ports of one permission.
package stopguard.lib.sg

import rego.v1

# The world CIDRs (from `world_cidrs`) the rule admits traffic from.
world_sources(rule, world_cidrs) := {cidr |
	some cidr in array.concat(object.get(rule, "ipv4_ranges", []), object.get(rule, "ipv6_ranges", []))
	cidr in world_cidrs
}

# The rule admits traffic from anywhere on the internet.
open_to_world(rule, world_cidrs) if count(world_sources(rule, world_cidrs)) > 0

# Protocol "-1": every protocol and every port (its ports, if any, mean nothing).
all_protocols(rule) if rule.protocol == "-1"

# TCP or UDP, by name or by protocol number: the protocols with ports.
has_ports(rule) if lower(rule.protocol) in {"tcp", "udp", "6", "17"}

# The first and last port of a TCP/UDP rule, when both are given.
port_range(rule) := [from, to] if {
	has_ports(rule)
	from := object.get(rule, "from_port", null)
	to := object.get(rule, "to_port", null)
	is_number(from)
	is_number(to)
}

# The rule lets port p through: "-1" lets every port through; TCP/UDP when
# from_port <= p <= to_port.
covers_port(rule, p) if all_protocols(rule)

covers_port(rule, p) if {
	[from, to] := port_range(rule)
	from <= p
	p <= to
}

# The rule lets every port through: "-1", or TCP/UDP 0-65535.
covers_all_ports(rule) if all_protocols(rule)

covers_all_ports(rule) if {
	[from, to] := port_range(rule)
	from <= 0
	to >= 65535
}

# The rule's ports in words: "port 22", "ports 1000-2000", "all ports".
ports_text(rule) := "all ports" if {
	covers_all_ports(rule)
} else := sprintf("port %d", [from]) if {
	[from, to] := port_range(rule)
	from == to
} else := sprintf("ports %d-%d", [from, to]) if {
	[from, to] := port_range(rule)
} else := "no ports"

# The protocol in words: "TCP", "UDP", "all traffic", "protocol 50".
protocol_text(rule) := "all traffic" if {
	all_protocols(rule)
} else := "TCP" if {
	lower(rule.protocol) in {"tcp", "6"}
} else := "UDP" if {
	lower(rule.protocol) in {"udp", "17"}
} else := sprintf("protocol %s", [rule.protocol])
