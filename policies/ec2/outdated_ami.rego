# METADATA
# title: Instances should run from current, available AMIs
# description: |
#   Reports each instance (not terminated) launched from an AMI that is older
#   than `max_ami_age_days` (by its CreationDate), or that is no longer
#   available: absent from the describe-images output (deregistered, or no
#   longer shared with the account) or in a state other than available. An old
#   image means old packages and missing patches on every instance built from
#   it; an image that is gone means the instance cannot be rebuilt the same way
#   after it is stopped and lost. The age is measured against the parameter
#   `now` (RFC 3339) when set, else the time of the run. Runs only when both
#   the instances and the images (aws ec2 describe-images for the instances'
#   image ids) were supplied.
# custom:
#   id: EC2-002
#   severity: low
#   remediation: |
#     Build a current image (EC2 Image Builder, or Packer) and replace the
#     instance, or move it to a launch template with the newer AMI:
#       aws ec2 create-launch-template-version --launch-template-id <lt-id> \
#         --source-version <n> --launch-template-data '{"ImageId":"<new-ami-id>"}'
#     To judge the images, add:
#       aws ec2 describe-images --include-deprecated --filters Name=image-id,Values=<ami-1>,<ami-2>
#   parameters: [max_ami_age_days, now]
package stopguard.ec2.outdated_ami

import rego.v1

import data.stopguard.lib.util

deny contains finding if {
	input.supplied.instances == true
	input.supplied.images == true
	some instance in input.ec2.instances
	object.get(instance, "state", null) != "terminated"
	util.has_text(object.get(instance, "image_id", null))
	some problem in problems(instance)
	finding := object.union(
		{
			"msg": sprintf("instance %s was launched from %s", [instance.id, problem.text]),
			"resource": instance.id,
			"details": object.union(problem.details, {
				"image_id": instance.image_id,
				"region": object.get(instance, "region", null),
				"max_ami_age_days": data.params.max_ami_age_days,
			}),
		},
		util.file_of(instance),
	)
}

images := {image.id: image | some image in input.ec2.images}

now_ns := time.parse_rfc3339_ns(data.params.now) if {
	util.has_text(data.params.now)
} else := time.now_ns()

day_ns := ((24 * 60) * 60) * 1000000000

problems(instance) := (missing(instance) | unavailable(instance)) | too_old(instance)

missing(instance) := {{
	"text": sprintf("AMI %s, which is no longer available (not in the describe-images output: deregistered, or no longer shared)", [instance.image_id]),
	"details": {"available": false},
} |
	not images[instance.image_id]
}

unavailable(instance) := {{
	"text": sprintf("AMI %s%s, which is %s", [instance.image_id, name_text(image), image.state]),
	"details": {"available": false, "image_state": image.state},
} |
	image := images[instance.image_id]
	util.has_text(object.get(image, "state", null))
	image.state != "available"
}

too_old(instance) := {{
	"text": sprintf(
		"AMI %s%s, created %s, more than %d days ago",
		[instance.image_id, name_text(image), substring(image.creation_date, 0, 10), data.params.max_ami_age_days],
	),
	"details": {"available": true, "creation_date": image.creation_date, "age_days": age},
} |
	image := images[instance.image_id]
	util.has_text(object.get(image, "creation_date", null))
	age := floor((now_ns - time.parse_rfc3339_ns(image.creation_date)) / day_ns)
	age > data.params.max_ami_age_days
}

name_text(image) := sprintf(" (%s)", [image.name]) if {
	util.has_text(object.get(image, "name", null))
} else := ""
