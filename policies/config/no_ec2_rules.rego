# METADATA
# title: AWS Config rules must evaluate EC2 resources
# description: |
#   Reports each region with instances (or the account, when no instance is
#   known) where no active AWS Config rule evaluates EC2 resources. A rule
#   counts when its scope names an AWS::EC2::* resource type, or it is an AWS
#   managed rule for EC2: its source identifier starts with EC2_ or is listed
#   in `config_ec2_rule_identifiers` (e.g. APPROVED_AMIS_BY_ID,
#   INSTANCES_IN_VPC). Rules being deleted do not count. Recording without
#   rules keeps history but never says that an instance drifted out of policy.
#   Runs only when describe-config-rules output was supplied.
# custom:
#   id: CFG-002
#   severity: low
#   remediation: |
#     Add managed rules for EC2, e.g.:
#       aws configservice put-config-rule --config-rule '{"ConfigRuleName":"ec2-stopped-instance","Source":{"Owner":"AWS","SourceIdentifier":"EC2_STOPPED_INSTANCE"},"Scope":{"ComplianceResourceTypes":["AWS::EC2::Instance"]}}'
#       aws configservice put-config-rule --config-rule '{"ConfigRuleName":"ec2-imdsv2","Source":{"Owner":"AWS","SourceIdentifier":"EC2_IMDSV2_CHECK"}}'
#     or deploy a conformance pack (Operational Best Practices for EC2).
#   parameters: [config_ec2_rule_identifiers]
package stopguard.config.no_ec2_rules

import rego.v1

import data.stopguard.lib.regions
import data.stopguard.lib.util

deny contains finding if {
	input.supplied.config_rules == true
	some region in regions.input_scopes
	not some_ec2_rule(region)
	finding := {
		"msg": sprintf("no active AWS Config rule evaluates EC2 resources %s", [regions.where(region)]),
		"resource": resource(region),
		"details": {"region": region, "rules": sort([r.name | some r in input.config.rules; regions.serves(r, region)])},
	}
}

resource(region) := sprintf("%s/%s", [util.account_resource(util.input_account), region]) if {
	region != null
} else := util.account_resource(util.input_account)

some_ec2_rule(region) if {
	some r in input.config.rules
	regions.serves(r, region)
	not object.get(r, "state", null) in {"DELETING", "DELETING_RESULTS"}
	for_ec2(r)
}

for_ec2(r) if {
	some t in object.get(r, "resource_types", [])
	startswith(t, "AWS::EC2::")
}

for_ec2(r) if startswith(object.get(r, "source_identifier", ""), "EC2_")

for_ec2(r) if object.get(r, "source_identifier", "") in data.params.config_ec2_rule_identifiers
