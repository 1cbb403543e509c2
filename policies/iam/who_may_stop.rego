# METADATA
# title: Only allowed principals may stop EC2 instances
# description: |
#   Lists every IAM user and role whose policies let it call ec2:StopInstances
#   on some instance of the account and whose ARN matches none of the
#   `allowed_stoppers` patterns. A principal that may stop instances only when
#   the request meets a condition (a tag, a region, an IP range, MFA), or whose
#   access a partial Deny, a permissions boundary or an SCP narrows, is still
#   reported, as "conditional", with the conditions it depends on: a condition
#   limits which calls succeed, not who can make them.
#   A principal that reaches ec2:StopInstances by assuming one or more roles
#   (`via` in the input) is reported like one holding it directly, naming the
#   role it ends up in and the chain of assumptions: whoever can become a role
#   that may stop instances can stop them. Only the principal's own ARN is
#   matched against `allowed_stoppers`; the role at the end of the chain being
#   allowed does not make the principals that can assume it allowed.
#   With the default (empty) `allowed_stoppers`, every principal that can stop
#   instances is listed: set the parameter to the roles and users that should.
# custom:
#   id: IAM-001
#   severity: high
#   remediation: |
#     If the principal should be able to stop instances, add its ARN (or a
#     pattern such as `arn:aws:iam::*:role/ops-*`) to `allowed_stoppers`.
#     Otherwise remove ec2:StopInstances from the granting policies named in the
#     finding, or add an explicit Deny, e.g. for a role:
#       aws iam put-role-policy --role-name <role> --policy-name deny-stop \
#         --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}]}'
#     (aws iam put-user-policy --user-name <user> ... for a user), or detach the
#     managed policy: aws iam detach-role-policy --role-name <role> --policy-arn <arn>.
#     When the finding names a chain of role assumptions, either allow the
#     principal itself, or narrow the trust policy of the first role in the
#     chain it should not assume:
#       aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json
#   parameters: [allowed_stoppers]
#   partition: input.iam.stop_access
package stopguard.iam.who_may_stop

import rego.v1

import data.stopguard.lib.iam
import data.stopguard.lib.util

# The rule runs for every principal that may stop instances (thousands on a large
# account), and on regorus's VM each function call or comprehension costs
# thousands of instructions: derived values are computed once, in the rule body,
# the input's own summaries of the grants (`policy_ids`, `policy_names`,
# `condition_texts`) and `location` are read rather than recomputed
# (docs/input-schema.md), and the message takes one helper per conditional part.
deny contains finding if {
	some access in input.iam.stop_access
	not allowed[access.arn]
	# Each open condition in words, as iam.condition_text writes it.
	conditions := access.condition_texts
	via := object.get(access, "via", [])
	limits := object.get(access, "limits", [])
	# The names of up to three granting policies.
	granted_by := util.join_limited(access.policy_names, 3)
	finding := object.union(
		{
			"msg": sprintf(
				"%s %s may stop instances %s%s matches no allowed_stoppers pattern (granted by %s)",
				[access.type, access.arn, how(via), how_far(access, conditions, limits), granted_by],
			),
			"resource": access.arn,
			"details": {
				"access": access.access,
				"type": access.type,
				"policies": access.policy_ids,
				"open_conditions": conditions,
				"limits": limits,
				"via": via,
			},
		},
		access.location,
	)
}

# The principals of the input that an `allowed_stoppers` pattern matches, found
# once for all of them (iam.is_allowed_stopper's test, each pattern made a glob
# once rather than once per principal).
allowed contains access.arn if {
	some pattern in data.params.allowed_stoppers
	as_glob := iam.as_glob(pattern)
	some access in input.iam.stop_access
	glob.match(as_glob, null, access.arn)
}

# How far the access goes, and the message's link to what follows: `conditions`
# and `limits` come from the rule. A conditional access depends on the open
# conditions of its granting statements, the partial Denies and the
# boundaries/SCPs that narrow it (three named at most).
how_far(access, conditions, limits) := "unconditionally but" if {
	access.access == "allowed"
} else := sprintf("when %s, and", [util.join_limited(depends_on, 3)]) if {
	denials := sort({sprintf("no Deny in %s applies", [g.policy.name]) |
		some g in object.get(access, "denials", [])
	})
	depends_on := array.concat(array.concat(conditions, denials), limits)
	count(depends_on) > 0
} else := "when the request meets the granting statements' conditions, and"

# How the principal gets there, with a trailing space; empty when it holds the
# permission itself. `via` is [principal, role1, ..., roleN]; roleN holds it.
how(chain) := sprintf(
	"by assuming role %s (chain: %s) ",
	[chain[count(chain) - 1], concat(" -> ", chain)],
) if {
	count(chain) > 1
} else := ""
