package org.ops_only_stop_prod_test

import rego.v1

import data.org.ops_only_stop_prod as rule

oncall := "arn:aws:iam::111122223333:role/ops/oncall"

deployer := "arn:aws:iam::111122223333:role/deployer"

dana := "arn:aws:iam::111122223333:user/dana"

params := {"prod_stopper_paths": ["/ops/"], "prod_tag": {"key": "Environment", "value": "prod"}}

# A granting statement, with the conditions it carries.
grant(name, conditions) := {
	"policy": {"kind": "managed", "name": name, "arn": sprintf("arn:aws:iam::111122223333:policy/%s", [name])},
	"statement_index": 0, "effect": "Allow", "actions": ["ec2:StopInstances"],
	"resources": ["*"], "conditions": conditions, "open_conditions": conditions,
}

tag_is(operator, values) := [{"operator": operator, "key": "ec2:ResourceTag/Environment", "values": values}]

access(arn, type, grants) := {"arn": arn, "type": type, "name": "x", "access": "allowed", "grants": grants, "file": "iam.json"}

inp(accesses) := {"iam": {
	"stop_access": accesses,
	"roles": [
		{"arn": oncall, "path": "/ops/"},
		{"arn": deployer, "path": "/"},
	],
	"users": [{"arn": dana, "path": "/"}],
}}

findings_for(accesses) := findings if {
	findings := rule.deny with input as inp(accesses) with data.params as params
}

test_ops_role_may_stop_prod if {
	count(findings_for([access(oncall, "role", [grant("stop", [])])])) == 0
}

test_other_role_stopping_everything_is_reported if {
	findings := findings_for([access(deployer, "role", [grant("stop", [])])])
	count(findings) == 1
	some f in findings
	f.resource == deployer
	f.file == "iam.json"
	f.details.path == "/"
	f.msg == "role arn:aws:iam::111122223333:role/deployer may stop Environment=prod instances but is not a role under /ops/ (granted by stop)"
}

test_grant_limited_to_dev_is_not_reported if {
	count(findings_for([access(deployer, "role", [grant("dev-stop", tag_is("StringEquals", ["dev"]))])])) == 0
}

test_grant_excluding_prod_is_not_reported if {
	count(findings_for([access(deployer, "role", [grant("not-prod", tag_is("StringNotEquals", ["prod"]))])])) == 0
}

test_wildcard_and_case_insensitive_prod_values_are_reported if {
	findings := findings_for([
		access(deployer, "role", [grant("like", tag_is("StringLike", ["pro*"]))]),
		access(dana, "user", [grant("icase", tag_is("StringEqualsIgnoreCase", ["PROD"]))]),
	])
	{f.resource | some f in findings} == {deployer, dana}
}

test_only_the_grants_reaching_prod_are_named if {
	grants := [grant("dev-stop", tag_is("StringEquals", ["dev"])), grant("prod-stop", tag_is("StringEquals", ["prod"]))]
	some f in findings_for([access(deployer, "role", grants)])
	endswith(f.msg, "(granted by prod-stop)")
	f.details.policies == ["arn:aws:iam::111122223333:policy/prod-stop"]
}

# A user that becomes an /ops/ role is still a user: it is judged by itself,
# and the finding says how it gets there.
test_user_reaching_an_ops_role_is_reported_with_the_chain if {
	a := object.union(access(dana, "user", [grant("stop", [])]), {"via": [dana, oncall]})
	some f in findings_for([a])
	f.msg == concat("", [
		"user arn:aws:iam::111122223333:user/dana may stop Environment=prod instances by assuming role ",
		"arn:aws:iam::111122223333:role/ops/oncall (chain: arn:aws:iam::111122223333:user/dana -> ",
		"arn:aws:iam::111122223333:role/ops/oncall) but is not a role under /ops/ (granted by stop)",
	])
}

test_path_is_read_from_the_arn_when_the_role_is_not_listed if {
	other := "arn:aws:iam::111122223333:role/ops/eu/stopper"
	count(findings_for([access(other, "role", [grant("stop", [])])])) == 0
}

test_parameters_change_the_path_and_tag if {
	findings := rule.deny with input as inp([access(deployer, "role", [grant("stop", tag_is("StringEquals", ["prod"]))])])
		with data.params as {"prod_stopper_paths": ["/"], "prod_tag": {"key": "Environment", "value": "prod"}}
	count(findings) == 0
}
