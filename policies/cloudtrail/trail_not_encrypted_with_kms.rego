# METADATA
# title: Trails must encrypt their logs with a KMS key
# description: |
#   Reports each trail whose log files are not encrypted with a customer
#   managed KMS key (SSE-KMS). With only the bucket's default encryption,
#   anyone who can read the bucket can read the audit trail; with a KMS key,
#   reading it also needs kms:Decrypt, which is separately granted and itself
#   logged (CIS AWS Foundations 3.5).
# custom:
#   id: CT-004
#   severity: medium
#   remediation: |
#     Create (or choose) a KMS key whose key policy lets cloudtrail.amazonaws.com
#     use it, then point the trail at it:
#       aws cloudtrail update-trail --name <trail> --kms-key-id arn:aws:kms:<region>:<account>:key/<key-id>
package stopguard.cloudtrail.trail_not_encrypted_with_kms

import rego.v1

import data.stopguard.lib.cloudtrail
import data.stopguard.lib.util

deny contains finding if {
	some trail in input.cloudtrail.trails
	not util.has_text(object.get(trail, "kms_key_id", null))
	finding := object.union(
		{
			"msg": sprintf("trail %s does not encrypt its log files with a KMS key", [trail.name]),
			"resource": cloudtrail.trail_id(trail),
			"details": {"trail": trail.name, "s3_bucket": object.get(trail, "s3_bucket", null)},
		},
		util.field_location(trail, "kms_key_id"),
	)
}
