# METADATA
# title: IAM users may stop instances only with MFA
# description: |
#   Reports each IAM user that can call ec2:StopInstances when the request
#   carries no MFA (aws:MultiFactorAuthPresent absent or false), i.e. with
#   nothing but a password or a long-lived access key. Users whose ARN matches
#   `mfa_exempt_principals` (break-glass or automation users you have decided
#   to trust) are skipped. Roles are not checked: MFA for a role is enforced
#   in its trust policy, where the session is created. For the same reason,
#   users reaching the action through role assumption are judged by the
#   role's trust policy, not by this rule: entries with a `via` chain (which
#   carry no `mfa_required`) are skipped.
# custom:
#   id: IAM-003
#   severity: medium
#   remediation: |
#     Require MFA on the granting statements, e.g.
#       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
#     or add a Deny for requests without MFA:
#       aws iam put-user-policy --user-name <user> --policy-name deny-stop-without-mfa \
#         --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}'
#     Better still, move the permission to a role assumed with MFA. For an
#     automation user that cannot use MFA, add its ARN to `mfa_exempt_principals`.
#   parameters: [mfa_exempt_principals]
#   partition: input.iam.stop_access
package stopguard.iam.stop_without_mfa

import rego.v1

import data.stopguard.lib.iam
import data.stopguard.lib.util

# Derived values are computed once, in the rule body, and the input's own
# `policy_ids`, `policy_names` and `location` are read rather than recomputed
# (docs/input-schema.md): the rule runs for every user that may stop instances,
# and each function call or comprehension costs regorus's VM thousands of
# instructions.
deny contains finding if {
	some access in input.iam.stop_access
	access.type == "user"
	# Not through a role chain (`via` is [user, role1, ..., roleN]): the role's
	# trust policy decides MFA there.
	count(object.get(access, "via", [])) == 0
	object.get(access, "mfa_required", null) == false
	not exempt[access.arn]
	# The granting statements that do not mention MFA at all (usually the
	# culprits), by policy name.
	without_mfa := {g.policy.name |
		some g in access.grants
		not mentions_mfa(g)
	}
	finding := object.union(
		{
			"msg": sprintf("user %s may stop instances without MFA (%s)", [access.arn, granted_by(access, without_mfa)]),
			"resource": access.arn,
			"details": {
				"access": access.access,
				"policies": access.policy_ids,
			},
		},
		access.location,
	)
}

# The users of the input that an `mfa_exempt_principals` pattern matches, found
# once for all of them, each pattern made a glob once.
exempt contains access.arn if {
	some pattern in data.params.mfa_exempt_principals
	as_glob := iam.as_glob(pattern)
	some access in input.iam.stop_access
	glob.match(as_glob, null, access.arn)
}

mfa_keys := {"aws:multifactorauthpresent", "aws:multifactorauthage"}

mentions_mfa(grant) if {
	some c in object.get(grant, "conditions", [])
	lower(c.key) in mfa_keys
}

# `without_mfa`: the names of the granting policies with no MFA condition.
granted_by(access, without_mfa) := sprintf(
	"granted without an MFA condition by %s",
	[util.join_limited(sort(without_mfa), 3)],
) if {
	count(without_mfa) > 0
} else := sprintf("granted by %s", [util.join_limited(access.policy_names, 3)])
