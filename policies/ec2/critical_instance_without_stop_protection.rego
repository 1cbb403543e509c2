# METADATA
# title: Critical instances must have stop protection
# description: |
#   Reports each instance carrying a critical tag (`critical_instance_tags`,
#   by default Environment=prod or Critical=true; keys compared exactly,
#   values case-insensitively) that does not have stop protection
#   (DisableApiStop) turned on. Stop protection makes StopInstances fail until
#   someone deliberately turns it off, which stops a script, a mistaken
#   console click or a compromised key from taking production down in one
#   call. Terminated instances are skipped. When the output of
#   describe-instance-attribute was not supplied, the finding says protection
#   could not be confirmed.
# custom:
#   id: EC2-001
#   severity: medium
#   remediation: |
#     Turn stop protection on:
#       aws ec2 modify-instance-attribute --instance-id <id> --disable-api-stop
#     (and consider --disable-api-termination as well). To confirm the current
#     setting, add the output of
#       aws ec2 describe-instance-attribute --instance-id <id> --attribute disableApiStop
#     to the inputs.
#   parameters: [critical_instance_tags]
package stopguard.ec2.critical_instance_without_stop_protection

import rego.v1

import data.stopguard.lib.util

deny contains finding if {
	some instance in input.ec2.instances
	object.get(instance, "state", null) != "terminated"
	tags := critical_tags(instance)
	count(tags) > 0
	protection := object.get(instance, "stop_protection", null)
	protection != true
	finding := object.union(
		{
			"msg": sprintf("critical instance %s (%s) %s", [instance.id, concat(", ", tags), problem_of(instance, protection)]),
			"resource": instance.id,
			"details": {
				"critical_tags": tags,
				"stop_protection": protection,
				"state": object.get(instance, "state", null),
				"region": object.get(instance, "region", null),
				"arn": object.get(instance, "arn", null),
			},
		},
		util.field_location(instance, "stop_protection"),
	)
}

# The instance's tags that make it critical, as "Key=Value", sorted. (A parameter
# value written as YAML `true` rather than "true" still matches.)
critical_tags(instance) := sort({sprintf("%s=%s", [wanted.key, value]) |
	some wanted in data.params.critical_instance_tags
	value := object.get(object.get(instance, "tags", {}), wanted.key, null)
	is_string(value)
	lower(value) == lower(sprintf("%v", [wanted.value]))
})

# An infrastructure-as-code input whose DisableApiStop cannot be resolved before
# deployment (an `!If`, a value known after apply) says so, rather than "not supplied".
problem_of(instance, protection) := sprintf(
	"has stop protection that cannot be evaluated before deployment (DisableApiStop is %s)",
	[expression],
) if {
	expression := object.get(object.get(instance, "unknown", {}), "stop_protection", null)
	is_string(expression)
} else := problem(protection)

problem(false) := "has stop protection disabled (DisableApiStop is false)"

problem(null) := "has no confirmed stop protection: the output of aws ec2 describe-instance-attribute --attribute disableApiStop was not supplied"
