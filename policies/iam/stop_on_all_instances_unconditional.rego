# METADATA
# title: No statement may allow stopping every instance without a condition
# description: |
#   Reports each Allow statement in use (inline, customer managed, attached AWS
#   managed, or a policy file) that grants ec2:StopInstances on every instance
#   of the account (Resource "*", "arn:aws:ec2:*:*:instance/*" and the like)
#   with no Condition at all. Whoever holds such a statement can stop
#   production and everything else with one call; a Resource limited to tagged
#   instances or a condition (ec2:ResourceTag/..., aws:MultiFactorAuthPresent,
#   aws:SourceIp) keeps a stolen key or a mistaken script from doing so.
# custom:
#   id: IAM-002
#   severity: high
#   remediation: |
#     Narrow the statement: scope it to the instances the principal runs, e.g.
#       "Resource": "arn:aws:ec2:*:<account>:instance/*",
#       "Condition": {"StringEquals": {"ec2:ResourceTag/Team": "${aws:PrincipalTag/Team}"}}
#     and publish it as a new default version of a managed policy:
#       aws iam create-policy-version --policy-arn <arn> --policy-document file://policy.json --set-as-default
#     (aws iam put-user-policy / put-role-policy / put-group-policy for an inline policy).
#   partition: input.iam.stop_statements
package stopguard.iam.stop_on_all_instances_unconditional

import rego.v1

import data.stopguard.lib.iam
import data.stopguard.lib.util

deny contains finding if {
	some grant in input.iam.stop_statements
	grant.not_resource == false
	count(object.get(grant, "conditions", [])) == 0
	covering := every_instance_resources(grant)
	count(covering) > 0
	resource := covering[0]
	policy := grant.policy.id
	finding := object.union(
		{
			"msg": sprintf(
				"%s of policy %s allows ec2:StopInstances on every instance (Resource %s) with no condition",
				[iam.statement_label(grant), policy, resource],
			),
			"resource": policy,
			"details": {
				"policy": grant.policy.name,
				"policy_kind": grant.policy.kind,
				"sid": object.get(grant, "sid", null),
				"statement_index": grant.statement_index,
				"resource": resource,
				"resources": grant.resources,
				"actions": grant.matched_actions,
			},
		},
		grant.location,
	)
}

# The statement's Resource entries that cover every instance, sorted.
every_instance_resources(grant) := sort({resource |
	some resource in grant.resources
	every_instance[resource]
})

# The Resource entries of the input's statements that cover every instance, each
# judged once: statements share a handful of patterns ("*" above all), and the
# judgement matches two probe ARNs.
every_instance contains resource if {
	some resource in {r | some g in input.iam.stop_statements; some r in g.resources}
	iam.covers_every_instance(resource, util.input_account_id)
}
