package stopguard.ec2.outdated_ami_test

import rego.v1

import data.stopguard.ec2.outdated_ami as rule

instance(id, image) := {"id": id, "image_id": image, "state": "running", "region": "eu-west-1", "file": "instances.json"}

image(id, created, state) := {"id": id, "name": "web-base", "creation_date": created, "state": state}

inp(instances, images) := {
	"supplied": {"instances": true, "images": true},
	"ec2": {"instances": instances, "images": images},
}

now := "2026-01-31T00:00:00Z"

test_recent_image_passes if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "ami-1")], [image("ami-1", "2025-12-01T10:00:00.000Z", "available")])
		with data.params.now as now
}

test_old_image_is_reported_with_its_age if {
	findings := rule.deny with input as inp([instance("i-1", "ami-1")], [image("ami-1", "2025-01-31T00:00:00.000Z", "available")])
		with data.params.now as now
	count(findings) == 1
	some f in findings
	f.resource == "i-1"
	f.msg == "instance i-1 was launched from AMI ami-1 (web-base), created 2025-01-31, more than 180 days ago"
	f.details.age_days == 365
}

test_age_limit_is_a_parameter if {
	count(rule.deny) == 0 with input as inp([instance("i-1", "ami-1")], [image("ami-1", "2025-01-31T00:00:00.000Z", "available")])
		with data.params.now as now
		with data.params.max_ami_age_days as 400
}

test_missing_image_is_reported if {
	findings := rule.deny with input as inp([instance("i-1", "ami-gone")], [image("ami-1", "2025-12-01T10:00:00.000Z", "available")])
		with data.params.now as now
	some f in findings
	f.details.available == false
	contains(f.msg, "AMI ami-gone, which is no longer available")
}

test_deregistered_image_is_reported if {
	findings := rule.deny with input as inp([instance("i-1", "ami-1")], [image("ami-1", "2025-12-01T10:00:00.000Z", "deregistered")])
		with data.params.now as now
	some f in findings
	f.msg == "instance i-1 was launched from AMI ami-1 (web-base), which is deregistered"
}

test_now_defaults_to_the_run_time if {
	# Created in 2001: older than 180 days whenever the test runs.
	count(rule.deny) == 1 with input as inp([instance("i-1", "ami-1")], [image("ami-1", "2001-01-01T00:00:00Z", "available")])
		with data.params.now as null
}

test_not_evaluated_without_images if {
	i := object.union(inp([instance("i-1", "ami-gone")], []), {"supplied": {"images": false}})
	count(rule.deny) == 0 with input as i
}

test_terminated_instances_are_skipped if {
	t := object.union(instance("i-1", "ami-gone"), {"state": "terminated"})
	count(rule.deny) == 0 with input as inp([t], [])
}
