package stopguard.cloudtrail.trail_not_encrypted_with_kms_test

import rego.v1

import data.stopguard.cloudtrail.trail_not_encrypted_with_kms as rule

trail(key) := {
	"name": "main", "arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
	"s3_bucket": "audit-logs", "kms_key_id": key, "file": "trails.json",
}

inp(trails) := {"supplied": {"trails": true}, "cloudtrail": {"trails": trails}}

test_kms_encrypted_trail_passes if {
	count(rule.deny) == 0 with input as inp([trail("arn:aws:kms:us-east-1:111122223333:key/abcd")])
}

test_null_key_is_reported if {
	findings := rule.deny with input as inp([trail(null)])
	count(findings) == 1
	some f in findings
	f.resource == "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
	f.file == "trails.json"
	f.msg == "trail main does not encrypt its log files with a KMS key"
}

test_empty_or_absent_key_is_reported if {
	count(rule.deny) == 1 with input as inp([trail("")])
	count(rule.deny) == 1 with input as inp([object.remove(trail(null), ["kms_key_id"])])
}
