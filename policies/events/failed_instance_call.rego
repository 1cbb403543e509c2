# METADATA
# title: Refused attempts to stop, start or terminate instances
# description: |
#   Reports each StopInstances, StartInstances or TerminateInstances call in
#   the CloudTrail logs that was refused for lack of permission (errorCode
#   UnauthorizedOperation, Client.UnauthorizedOperation or AccessDenied...).
#   The permissions held, but someone tried: a mistyped runbook, a principal
#   testing what it can do, or an attacker with the wrong key. EVT-008 flags
#   many refusals in a short time.
# custom:
#   id: EVT-007
#   severity: medium
#   remediation: |
#     Ask the principal's owner what the call was for. An unexpected principal
#     or source address suggests leaked credentials: deactivate the access key
#     (aws iam update-access-key --status Inactive) or revoke the role's
#     sessions, and look at the principal's other calls:
#       aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=<name>
#   parameters: []
package stopguard.events.failed_instance_call

import rego.v1

import data.stopguard.lib.events

deny contains finding if {
	some e in input.cloudtrail_events
	events.is_state_call(e)
	events.denied(e)
	finding := events.finding(e, sprintf("%s refused with %s", [events.summary(e), e.error_code]), {})
}
