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

# Each derived value is computed once, in the rule body, and passed on: the pack
# runs this rule for every principal that may stop instances (thousands on a
# large account), and each function call costs regorus's VM about 5,000
# instructions.
deny contains finding if {
	some access in input.iam.stop_access
	not iam.is_allowed_stopper(access.arn)
	conditions := sort({iam.condition_text(c) |
		some g in access.grants
		some c in object.get(g, "open_conditions", [])
	})
	via := object.get(access, "via", [])
	limits := object.get(access, "limits", [])
	# The names of up to three granting policies.
	granted_by := util.join_limited(sort({g.policy.name | some g in access.grants}), 3)
	finding := object.union(
		{
			"msg": message(access, how(via), granted_by, conditions, limits),
			"resource": access.arn,
			"details": {
				"access": access.access,
				"type": access.type,
				"policies": sort({iam.policy_id(g.policy) | some g in access.grants}),
				"open_conditions": conditions,
				"limits": limits,
				"via": via,
			},
		},
		iam.access_location(access),
	)
}

# The message; `how`, `granted_by`, `conditions` and `limits` come from the rule.
message(access, how, granted_by, _, _) := sprintf(
	"%s %s may stop instances %sunconditionally but matches no allowed_stoppers pattern (granted by %s)",
	[access.type, access.arn, how, granted_by],
) if {
	access.access == "allowed"
}

message(access, how, granted_by, conditions, limits) := sprintf(
	"%s %s may stop instances %swhen %s, and matches no allowed_stoppers pattern (granted by %s)",
	[access.type, access.arn, how, when_text(depends_on(access, conditions, limits)), granted_by],
) if {
	access.access != "allowed"
}

# How the principal gets there, with a trailing space; empty when it holds the
# permission itself. `via` is [principal, role1, ..., roleN]; roleN holds it.
how(chain) := sprintf(
	"by assuming role %s (chain: %s) ",
	[chain[count(chain) - 1], concat(" -> ", chain)],
) if {
	count(chain) > 1
} else := ""

# What the access depends on, summarised: the open conditions of the granting
# statements, the partial Denies and the boundaries/SCPs that narrow it.
depends_on(access, conditions, limits) := array.concat(array.concat(conditions, denial_texts(access)), limits)

denial_texts(access) := sort({sprintf("no Deny in %s applies", [g.policy.name]) |
	some g in object.get(access, "denials", [])
})

when_text(items) := util.join_limited(items, 3) if {
	count(items) > 0
} else := "the request meets the granting statements' conditions"
