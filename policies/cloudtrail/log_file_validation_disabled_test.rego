package stopguard.cloudtrail.log_file_validation_disabled_test

import rego.v1

import data.stopguard.cloudtrail.log_file_validation_disabled as rule

trail(validation) := {
	"name": "main", "arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main", "home_region": "us-east-1",
	"log_file_validation": validation, "file": "trails.json",
}

inp(trails) := {"supplied": {"trails": true}, "cloudtrail": {"trails": trails}}

test_validation_enabled_passes if {
	count(rule.deny) == 0 with input as inp([trail(true)])
}

test_validation_disabled_is_reported if {
	findings := rule.deny with input as inp([trail(true), trail(false)])
	count(findings) == 1
	some f in findings
	f.resource == "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
	f.file == "trails.json"
	f.msg == "trail main does not validate its log files, so deleted or altered logs go unnoticed"
}

test_trail_without_arn_is_named if {
	t := object.union(trail(false), {"arn": ""})
	findings := rule.deny with input as inp([t])
	some f in findings
	f.resource == "main"
}
