# METADATA
# title: The root user must not stop, start or terminate instances
# description: |
#   Reports each StopInstances, StartInstances or TerminateInstances call in the
#   CloudTrail logs made with the account's root user (userIdentity.type Root),
#   whether it succeeded or was refused. The root user cannot be limited by IAM
#   policies and should be used only for the few tasks that need it; day-to-day
#   instance operations from it mean its credentials are in use where they
#   should not be.
# custom:
#   id: EVT-002
#   severity: high
#   remediation: |
#     Confirm with the account owner that the root user was used on purpose. If
#     not, treat the root credentials as compromised: change the root password,
#     delete any root access keys (IAM console, Security credentials), check the
#     root MFA device, and review the other root calls in the logs
#       aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root
#     Use IAM roles for instance operations; an SCP can deny the root user of
#     member accounts outright.
#   parameters: []
package stopguard.events.root_user_instance_call

import rego.v1

import data.stopguard.lib.events

deny contains finding if {
	some e in input.cloudtrail_events
	events.is_state_call(e)
	e.root
	finding := events.finding(e, sprintf("%s with the root user%s", [events.summary(e), outcome(e)]), {})
}

outcome(e) := "" if {
	events.succeeded(e)
} else := sprintf(", refused with %s", [e.error_code])
