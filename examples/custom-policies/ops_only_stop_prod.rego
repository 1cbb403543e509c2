# METADATA
# title: Only roles under an operations path may stop production instances
# description: |
#   Reports every user and role that may call ec2:StopInstances on instances
#   tagged as production (`prod_tag`, default Environment=prod) but is not a
#   role whose IAM path starts with one of `prod_stopper_paths` (default
#   /ops/). A granting statement is taken to reach production instances unless
#   one of its conditions on the tag (ec2:ResourceTag/<key> or
#   aws:ResourceTag/<key>) rules the production value out. A principal that
#   reaches the action by assuming roles is judged by its own ARN and path, as
#   IAM-001 does, and the finding names the chain.
#   Only the granting statements are read: a Deny, a permissions boundary or
#   an SCP that spares production instances is not taken into account, so the
#   policy errs towards reporting.
# custom:
#   id: ORG-001
#   severity: high
#   remediation: |
#     Move the permission to a role under the operations path, e.g.
#       aws iam create-role --path /ops/ --role-name prod-stopper \
#         --assume-role-policy-document file://trust.json
#     and scope the principal's own grant away from production:
#       "Condition": {"StringNotEquals": {"ec2:ResourceTag/Environment": "prod"}}
#   parameters: [prod_stopper_paths, prod_tag]
package org.ops_only_stop_prod

import rego.v1

import data.stopguard.lib.iam
import data.stopguard.lib.util

deny contains finding if {
	some access in input.iam.stop_access
	not is_prod_stopper(access)
	grants := prod_grants(access)
	count(grants) > 0
	finding := object.union(
		{
			"msg": sprintf("%s %s may stop %s instances%s but is not a role under %s (granted by %s)", [
				access.type, access.arn, prod_text, chain_text(access),
				concat(" or ", data.params.prod_stopper_paths),
				util.join_limited(sort({g.policy.name | some g in grants}), 3),
			]),
			"resource": access.arn,
			"details": {
				"access": access.access,
				"path": path_of(access),
				"policies": sort({iam.policy_id(g.policy) | some g in grants}),
				"via": object.get(access, "via", []),
			},
		},
		util.file_of(access),
	)
}

prod_text := sprintf("%s=%s", [data.params.prod_tag.key, data.params.prod_tag.value])

# A role whose path is one of the allowed prefixes.
is_prod_stopper(access) if {
	access.type == "role"
	some prefix in data.params.prod_stopper_paths
	startswith(path_of(access), prefix)
}

# The principal's IAM path: from input.iam.roles / input.iam.users when the
# principal is listed there, else read from the ARN (role/ops/x -> /ops/).
path_of(access) := p if {
	some principal in array.concat(object.get(input.iam, "roles", []), object.get(input.iam, "users", []))
	principal.arn == access.arn
	p := principal.path
} else := sprintf("/%s/", [concat("/", array.slice(parts, 1, count(parts) - 1))]) if {
	parts := split(access.arn, "/")
	count(parts) > 2
} else := "/"

chain_text(access) := sprintf(" by assuming role %s (chain: %s)", [chain[count(chain) - 1], concat(" -> ", chain)]) if {
	chain := object.get(access, "via", [])
	count(chain) > 1
} else := ""

# The granting statements that may apply to a production instance.
prod_grants(access) := [g |
	some g in access.grants
	not excludes_prod(g)
]

# A condition on the production tag whose values leave the production value out
# (StringEquals Environment=dev), or that excludes it (StringNotEquals prod).
excludes_prod(grant) if {
	some c in object.get(grant, "conditions", [])
	is_prod_tag_key(c.key)
	positive_operator(c.operator)
	not some_value_matches(c)
}

excludes_prod(grant) if {
	some c in object.get(grant, "conditions", [])
	is_prod_tag_key(c.key)
	negative_operator(c.operator)
	some_value_matches(c)
}

is_prod_tag_key(key) if {
	some service in ["ec2", "aws"]
	lower(key) == lower(sprintf("%s:ResourceTag/%s", [service, data.params.prod_tag.key]))
}

# The operator without its IfExists suffix: a production instance carries the
# tag, so IfExists changes nothing for it.
base_operator(op) := trim_suffix(op, "IfExists")

positive_operator(op) if base_operator(op) in {"StringEquals", "StringEqualsIgnoreCase", "StringLike"}

negative_operator(op) if base_operator(op) in {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike"}

# One of the condition's values matches the production value: exactly, without
# regard to case, or as an IAM wildcard pattern (*, ?), as the operator says.
some_value_matches(c) if {
	endswith(base_operator(c.operator), "Like")
	some v in c.values
	iam.arn_matches(v, data.params.prod_tag.value)
}

some_value_matches(c) if {
	endswith(base_operator(c.operator), "IgnoreCase")
	some v in c.values
	lower(v) == lower(data.params.prod_tag.value)
}

some_value_matches(c) if {
	base_operator(c.operator) in {"StringEquals", "StringNotEquals"}
	some v in c.values
	v == data.params.prod_tag.value
}
