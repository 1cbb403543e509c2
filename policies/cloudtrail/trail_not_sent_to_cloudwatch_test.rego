package stopguard.cloudtrail.trail_not_sent_to_cloudwatch_test

import rego.v1

import data.stopguard.cloudtrail.trail_not_sent_to_cloudwatch as rule

trail(group) := {
	"name": "main", "arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
	"cloudwatch_log_group": group, "file": "trails.json",
}

inp(trails) := {"supplied": {"trails": true}, "cloudtrail": {"trails": trails}}

test_trail_with_log_group_passes if {
	count(rule.deny) == 0 with input as inp([trail("arn:aws:logs:us-east-1:111122223333:log-group:cloudtrail:*")])
}

test_trail_without_log_group_is_reported if {
	findings := rule.deny with input as inp([trail(null)])
	count(findings) == 1
	some f in findings
	f.resource == "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
	f.file == "trails.json"
	f.msg == "trail main does not send events to CloudWatch Logs, so no alarm can fire on StopInstances calls"
}

test_empty_log_group_is_reported if {
	count(rule.deny) == 1 with input as inp([trail("")])
}
