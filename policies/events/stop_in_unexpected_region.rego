# METADATA
# title: Instances must be stopped only in the regions you use
# description: |
#   Reports each successful StopInstances call in the CloudTrail logs made to a
#   region (awsRegion) not in `allowed_regions`. Activity in a region you do not
#   operate in is a classic sign of stolen credentials at work (or of a
#   forgotten fleet). With the default, an empty list, the check is off.
# custom:
#   id: EVT-005
#   severity: medium
#   remediation: |
#     Check what runs in that region (aws ec2 describe-instances --region <region>)
#     and who made the call. Deny the regions you do not use, for example with
#     an SCP on aws:RequestedRegion. If the region is in use, add it to
#     `allowed_regions`.
#   parameters: [allowed_regions]
package stopguard.events.stop_in_unexpected_region

import rego.v1

import data.stopguard.lib.events

deny contains finding if {
	count(data.params.allowed_regions) > 0
	some e in events.stops
	not e.region in data.params.allowed_regions
	finding := events.finding(
		e,
		sprintf("%s in region %s, which allowed_regions does not list", [events.summary(e), e.region]),
		{"allowed_regions": data.params.allowed_regions},
	)
}
