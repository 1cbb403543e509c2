# METADATA
# title: ec2:StopInstances should be granted by name, not by wildcard
# description: |
#   Reports each Allow statement in use that grants ec2:StopInstances through
#   a wildcard action ("*", "ec2:*", "ec2:Stop*", "ec2:*Instances") or through
#   NotAction, which grants every action it does not list. Such statements
#   hand out the power to stop instances as a side effect, usually unnoticed,
#   and grow silently when AWS adds actions that match the pattern.
# custom:
#   id: IAM-004
#   severity: medium
#   remediation: |
#     Replace the wildcard with the actions the principal needs, listing
#     "ec2:StopInstances" explicitly only where stopping is intended; replace
#     NotAction with an explicit Action list. Then publish the new document:
#       aws iam create-policy-version --policy-arn <arn> --policy-document file://policy.json --set-as-default
#     (aws iam put-user-policy / put-role-policy / put-group-policy for an inline policy).
#     `aws accessanalyzer validate-policy --policy-type IDENTITY_POLICY --policy-document file://policy.json`
#     helps check the result.
#   partition: input.iam.stop_statements
package stopguard.iam.wildcard_grants_stop

import rego.v1

import data.stopguard.lib.iam

deny contains finding if {
	some grant in input.iam.stop_statements
	wildcards := wildcard_actions(grant)
	count(wildcards) > 0
	finding := statement_finding(
		grant,
		sprintf(
			"%s of policy %s grants ec2:StopInstances through the wildcard action %s",
			[iam.statement_label(grant), grant.policy.id, concat(", ", wildcards)],
		),
		{"wildcards": wildcards},
	)
}

deny contains finding if {
	some grant in input.iam.stop_statements
	grant.not_action == true
	finding := statement_finding(
		grant,
		sprintf(
			"%s of policy %s grants ec2:StopInstances by omission: NotAction [%s] allows every action it does not list",
			[iam.statement_label(grant), grant.policy.id, concat(", ", grant.actions)],
		),
		{"not_action": grant.actions},
	)
}

# The action patterns of the statement that reach ec2:StopInstances other than by its exact name.
wildcard_actions(grant) := sort({pattern |
	some pattern in object.get(grant, "matched_actions", [])
	lower(pattern) != "ec2:stopinstances"
})

statement_finding(grant, msg, extra) := object.union(
	{
		"msg": msg,
		"resource": grant.policy.id,
		"details": object.union(
			{
				"policy": grant.policy.name,
				"sid": object.get(grant, "sid", null),
				"statement_index": grant.statement_index,
			},
			extra,
		),
	},
	grant.location,
)
