package stopguard.vpc.flow_logs_disabled_test

import rego.v1

import data.stopguard.vpc.flow_logs_disabled as rule

instance(id, vpc, state) := {"id": id, "vpc_id": vpc, "state": state, "region": "eu-west-1"}

inp(instances, flows) := {
	"supplied": {"instances": true, "flow_logs": true},
	"ec2": {"instances": instances, "flow_logs": flows},
}

flow(vpc, status) := {"id": "fl-1", "resource_id": vpc, "status": status}

test_vpc_with_active_flow_log_passes if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "vpc-a", "running")], [flow("vpc-a", "ACTIVE")])
}

test_status_absent_counts_as_active if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "vpc-a", "running")], [{"id": "fl-1", "resource_id": "vpc-a"}])
}

test_vpc_without_flow_log_is_reported_once if {
	findings := rule.deny with input as inp(
		[instance("i-2", "vpc-a", "running"), instance("i-1", "vpc-a", "stopped"), instance("i-3", "vpc-b", "running")],
		[flow("vpc-b", "ACTIVE"), flow("subnet-1", "ACTIVE")],
	)
	count(findings) == 1
	some f in findings
	f.resource == "vpc-a"
	f.msg == "VPC vpc-a (instances i-1, i-2) has no active flow log"
	f.details.region == "eu-west-1"
}

test_inactive_flow_log_does_not_count if {
	count(rule.deny) == 1 with input as inp([instance("i-1", "vpc-a", "running")], [flow("vpc-a", "DELETING")])
}

test_terminated_instances_and_no_vpc_are_skipped if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "vpc-a", "terminated"), {"id": "i-2", "state": "running"}], [])
}

test_not_evaluated_without_flow_logs if {
	i := object.union(inp([instance("i-1", "vpc-a", "running")], []), {"supplied": {"flow_logs": false}})
	count(rule.deny) == 0 with input as i
}
