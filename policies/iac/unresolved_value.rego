# METADATA
# title: Values a check depends on must be known before deployment
# description: |
#   Reports each value of a CloudFormation template or Terraform plan that a
#   check needs but that cannot be known before deployment: an intrinsic
#   function stopguard cannot resolve (`!ImportValue`, `!GetAtt` of an
#   attribute it does not model, `!Ref` of a parameter without a Default, an
#   `!If` whose branches differ) or a value Terraform knows only after apply.
#   Such a value is never treated as a match (it could be 0.0.0.0/0 or
#   ec2:StopInstances), nor silently as a pass: the checks it feeds could not
#   be evaluated, and this finding says which ones and where. Only values that
#   matter are reported: the source, ports and protocol of ingress rules; the
#   Effect, Action and NotAction of any statement and the Resource and
#   Condition of statements that may cover ec2:StopInstances; role targets,
#   attachments and boundaries; trail booleans; instance tags that
#   `critical_instance_tags` names. An instance's
#   unresolved DisableApiStop is EC2-001's to report, since only it knows
#   whether the instance is critical.
# custom:
#   id: IAC-001
#   severity: medium
#   remediation: |
#     Give the value literally, or as a parameter with a Default that is the
#     value deployed (stopguard evaluates a parameter by its Default). For a
#     value that depends on the environment, check the deployed stack or
#     account instead (stopguard snapshot / audit). When the value is reviewed
#     by other means, record an exception:
#       exceptions: [{rule: IAC-001, resource: "<file>#<resource>", reason: "..."}]
package stopguard.iac.unresolved_value

import rego.v1

deny contains finding if {
	some u in input.unknowns
	not judged_elsewhere(u)
	finding := object.union(
		{
			"msg": sprintf(
				"%s of %s is %s, which cannot be known before deployment; %s could not be evaluated",
				[u.field, u.resource, u.expression, checks_text(u)],
			),
			"resource": u.resource,
			"details": {"field": u.field, "expression": u.expression, "checks": u.checks},
			"file": u.file,
		},
		position(u),
	)
}

# EC2-001 reports an unresolved DisableApiStop of a critical instance itself.
judged_elsewhere(u) if {
	u.checks == ["EC2-001"]
	lower(u.field) in {"disableapistop", "disable_api_stop"}
}

# A tag whose key is known (`Tags.Name`) matters only when critical_instance_tags
# names that key.
judged_elsewhere(u) if {
	startswith(u.field, "Tags.")
	key := substring(u.field, 5, -1)
	not key in {t.key | some t in data.params.critical_instance_tags}
}

checks_text(u) := concat(", ", u.checks) if {
	count(u.checks) > 0
} else := "no check"

position(u) := {"line": u.line, "column": u.column} if {
	is_number(u.line)
	is_number(u.column)
} else := {}
