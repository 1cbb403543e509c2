# METADATA
# title: Instances may be stopped only by allowed principals
# description: |
#   Reports each successful StopInstances call in the CloudTrail logs made by a
#   principal whose ARN matches none of the `allowed_stoppers` patterns (the
#   same parameter IAM-001 uses for who *may* stop instances; this check is
#   about who *did*). An assumed-role session counts as its role
#   (userIdentity.sessionContext.sessionIssuer.arn), so `arn:aws:iam::*:role/ops-*`
#   allows every session of those roles. Calls by the root user are left to
#   EVT-002. As context, the finding lists the StartInstances and
#   TerminateInstances calls on the same instances found in the logs: a stop
#   that was undone minutes later reads differently from one followed by a
#   terminate. With the default (empty) `allowed_stoppers` every stop is
#   reported.
# custom:
#   id: EVT-001
#   severity: high
#   remediation: |
#     Find out whether the stop was expected: ask the principal's owner, and
#     look at its other calls around that time
#       aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=<name>
#     If it was not, restart the instances (aws ec2 start-instances --instance-ids <ids>),
#     revoke the principal's sessions and keys (for a role: aws iam put-role-policy with
#     an AWSRevokeOlderSessions-style Deny on aws:TokenIssueTime; for a user:
#     aws iam update-access-key --status Inactive), and remove ec2:StopInstances from
#     its policies (IAM-001 names them). If it was expected, add the principal's
#     ARN to `allowed_stoppers`.
#   parameters: [allowed_stoppers]
package stopguard.events.stop_by_unallowed_principal

import rego.v1

import data.stopguard.lib.events
import data.stopguard.lib.iam

deny contains finding if {
	some e in events.stops
	not e.root
	not iam.is_allowed_stopper(e.principal)
	later := context(e)
	finding := events.finding(
		e,
		sprintf("%s, which allowed_stoppers does not allow%s", [events.summary(e), context_text(later)]),
		{"context": later},
	)
}

# Start and terminate calls on any of the stopped instances, by time. Indexed by
# instance once, so that many stops over many events stay cheap.
context(e) := [c |
	some pair in sort({[c.event_time, c] |
		some id in e.instance_ids
		some c in object.get(calls_by_instance, id, [])
	})
	c := pair[1]
]

state_changes := [o |
	some o in input.cloudtrail_events
	events.is_state_call(o)
	o.name != "StopInstances"
	events.succeeded(o)
]

calls_by_instance := {id: [entry(x) | some x in state_changes; id in x.instance_ids] |
	some o in state_changes
	some id in o.instance_ids
}

entry(o) := {"event_id": o.event_id, "event_name": o.name, "event_time": o.time, "principal": o.principal}

context_text(later) := "" if {
	count(later) == 0
} else := sprintf("; the logs also show %s", [concat(", ", [sprintf("%s at %s by %s", [c.event_name, c.event_time, c.principal]) | some c in later])])
