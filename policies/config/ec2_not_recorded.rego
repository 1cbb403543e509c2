# METADATA
# title: AWS Config must record EC2 instances
# description: |
#   Reports each region with instances (or the account, when no instance is
#   known) where no AWS Config configuration recorder records EC2 instances:
#   there is no recorder, or its recording group covers neither all supported
#   resource types nor AWS::EC2::Instance (or excludes it), or it is not
#   recording (describe-configuration-recorder-status). Without it, a changed
#   instance attribute (stop protection turned off, a security group swapped)
#   leaves no configuration history. When the recorder status was not
#   supplied, the finding says recording could not be confirmed. Runs only
#   when describe-configuration-recorders output was supplied.
# custom:
#   id: CFG-001
#   severity: medium
#   remediation: |
#     Record all resource types (or at least AWS::EC2::Instance) and start the recorder:
#       aws configservice put-configuration-recorder \
#         --configuration-recorder name=default,roleARN=arn:aws:iam::<account>:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig \
#         --recording-group allSupported=true,includeGlobalResourceTypes=false
#       aws configservice put-delivery-channel --delivery-channel name=default,s3BucketName=<bucket>
#       aws configservice start-configuration-recorder --configuration-recorder-name default
package stopguard.config.ec2_not_recorded

import rego.v1

import data.stopguard.lib.regions
import data.stopguard.lib.util

instance_type := "AWS::EC2::Instance"

deny contains finding if {
	input.supplied.config_recorders == true
	some region in regions.input_scopes
	not recording_ec2(region)
	finding := {
		"msg": sprintf("AWS Config %s %s", [regions.where(region), problem(region)]),
		"resource": resource(region),
		"details": {
			"region": region,
			"recorders": sort([r.name | some r in recorders(region)]),
		},
	}
}

resource(region) := sprintf("%s/%s", [util.account_resource(util.input_account), region]) if {
	region != null
} else := util.account_resource(util.input_account)

recorders(region) := [r |
	some r in input.config.recorders
	regions.serves(r, region)
]

covers_ec2(r) if {
	r.all_supported == true
	not instance_type in object.get(r, "excluded_resource_types", [])
}

covers_ec2(r) if instance_type in r.resource_types

# The exclusion strategy: everything but the listed types.
covers_ec2(r) if {
	excluded := object.get(r, "excluded_resource_types", [])
	count(excluded) > 0
	not instance_type in excluded
}

recording_ec2(region) if {
	some r in recorders(region)
	covers_ec2(r)
	r.recording == true
}

unconfirmed(region) if {
	some r in recorders(region)
	covers_ec2(r)
	r.recording == null
}

problem(region) := "has no configuration recorder" if {
	count(recorders(region)) == 0
} else := sprintf("recorder(s) %s do not record %s", [names(region), instance_type]) if {
	not any_covers(region)
} else := sprintf("recording of %s could not be confirmed: the recorder status was not supplied (add aws configservice describe-configuration-recorder-status)", [instance_type]) if {
	unconfirmed(region)
} else := sprintf("recorder(s) %s are not recording", [names(region)])

any_covers(region) if {
	some r in recorders(region)
	covers_ec2(r)
}

names(region) := concat(", ", sort([r.name | some r in recorders(region)]))
