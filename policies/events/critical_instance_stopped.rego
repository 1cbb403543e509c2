# METADATA
# title: Critical instances stopped or terminated
# description: |
#   Reports each successful StopInstances or TerminateInstances call in the
#   CloudTrail logs that hit an instance carrying a critical tag
#   (`critical_instance_tags`, as EC2-001 reads them). Tags are not in the log
#   record: they are taken from the describe-instances output given with the
#   logs, so without it (or for an instance it does not list) this check finds
#   nothing. Whoever made the call, an outage of a critical instance is worth
#   an explanation.
# custom:
#   id: EVT-009
#   severity: high
#   remediation: |
#     Confirm the stop was planned (a change record, the on-call channel). If
#     not, restart the instance (aws ec2 start-instances --instance-ids <id>),
#     and look at EVT-001/EVT-003 findings for the same event. Turn on stop
#     protection for critical instances so a stop needs a deliberate extra step:
#       aws ec2 modify-instance-attribute --instance-id <id> --disable-api-stop
#   parameters: [critical_instance_tags]
package stopguard.events.critical_instance_stopped

import rego.v1

import data.stopguard.ec2.critical_instance_without_stop_protection as protection
import data.stopguard.lib.events

deny contains finding if {
	some e in array.concat(events.stops, events.successful("TerminateInstances"))
	some instance in input.ec2.instances
	instance.id in e.instance_ids
	tags := protection.critical_tags(instance)
	count(tags) > 0
	finding := events.finding(
		e,
		sprintf("%s hit critical instance %s (%s)", [events.summary(e), instance.id, concat(", ", tags)]),
		{"critical_instance": instance.id, "critical_tags": tags},
	)
}
