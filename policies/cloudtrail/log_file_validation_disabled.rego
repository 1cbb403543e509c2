# METADATA
# title: Trails must validate their log files
# description: |
#   Reports each trail with log file validation turned off. Validation makes
#   CloudTrail deliver signed, hash-chained digest files, the only way to show
#   that nobody deleted or edited the record of who stopped an instance after
#   it was delivered to S3 (CIS AWS Foundations 3.2).
# custom:
#   id: CT-003
#   severity: medium
#   remediation: |
#     Turn validation on, then check the log files with the digests when needed:
#       aws cloudtrail update-trail --name <trail> --enable-log-file-validation
#       aws cloudtrail validate-logs --trail-arn <trail-arn> --start-time <time>
package stopguard.cloudtrail.log_file_validation_disabled

import rego.v1

import data.stopguard.lib.cloudtrail
import data.stopguard.lib.util

deny contains finding if {
	some trail in input.cloudtrail.trails
	trail.log_file_validation == false
	finding := object.union(
		{
			"msg": sprintf("trail %s does not validate its log files, so deleted or altered logs go unnoticed", [trail.name]),
			"resource": cloudtrail.trail_id(trail),
			"details": {"trail": trail.name, "home_region": object.get(trail, "home_region", null)},
		},
		util.field_location(trail, "log_file_validation"),
	)
}
