package stopguard.lib.iam_test

import rego.v1

import data.stopguard.lib.iam

acct := "111122223333"

test_arn_matches_crosses_slash_and_colon if {
	iam.arn_matches("arn:aws:iam::*:role/ops/*", "arn:aws:iam::111122223333:role/ops/team/stopper")
	iam.arn_matches("*", "arn:aws:iam::111122223333:user/alice")
	iam.arn_matches("arn:aws:iam::111122223333:user/al?ce", "arn:aws:iam::111122223333:user/alice")
	not iam.arn_matches("arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:user/alice")
	not iam.arn_matches("arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:user/alice")
}

test_arn_matches_is_case_sensitive if {
	not iam.arn_matches("arn:aws:iam::111122223333:user/ALICE", "arn:aws:iam::111122223333:user/alice")
}

test_arn_matches_treats_glob_syntax_literally if {
	iam.arn_matches("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/${aws:username}/x")
	not iam.arn_matches("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/$aws:username/x")
	iam.arn_matches("arn:aws:s3:::b[1]", "arn:aws:s3:::b[1]")
	not iam.arn_matches("arn:aws:s3:::b[1]", "arn:aws:s3:::b1")
	iam.arn_matches("a\\b*", "a\\bc")
}

test_is_allowed_stopper if {
	iam.is_allowed_stopper("arn:aws:iam::111122223333:role/ops-stopper") with data.params as {"allowed_stoppers": ["arn:aws:iam::*:role/ops-*"]}
	not iam.is_allowed_stopper("arn:aws:iam::111122223333:user/alice") with data.params as {"allowed_stoppers": ["arn:aws:iam::*:role/ops-*"]}
	not iam.is_allowed_stopper("arn:aws:iam::111122223333:user/alice") with data.params as {"allowed_stoppers": []}
}

test_policy_id_managed if {
	iam.policy_id({"kind": "managed", "name": "P", "arn": "arn:aws:iam::111122223333:policy/P"}) == "arn:aws:iam::111122223333:policy/P"
	iam.policy_id({"kind": "group-managed", "name": "P", "arn": "arn:aws:iam::aws:policy/X", "via": "arn:aws:iam::1:group/g"}) == "arn:aws:iam::aws:policy/X"
}

test_policy_id_inline if {
	iam.policy_id({"kind": "inline", "name": "stop", "via": "arn:aws:iam::111122223333:user/alice", "file": "iam.json"}) == "arn:aws:iam::111122223333:user/alice#stop"
}

test_policy_id_file if {
	iam.policy_id({"kind": "file", "name": "policy.json", "file": "policies/stop.json"}) == "policies/stop.json"
	iam.policy_id({"kind": "file", "name": "policy.json"}) == "policy.json"
}

test_statement_label if {
	iam.statement_label({"sid": "AllowStop", "statement_index": 2}) == "statement AllowStop"
	iam.statement_label({"statement_index": 2}) == "Statement[2]"
	iam.statement_label({"sid": "", "statement_index": 0}) == "Statement[0]"
}

test_location if {
	iam.location({"policy": {"file": "p.json"}, "line": 7}) == {"file": "p.json", "line": 7}
	iam.location({"policy": {"file": "p.json"}, "line": null}) == {"file": "p.json"}
	iam.location({"policy": {"name": "x"}}) == {}
	iam.location({"policy": {"file": "t.yaml"}, "line": 7, "column": 9}) == {"file": "t.yaml", "line": 7, "column": 9}
}

test_access_location if {
	placed := {"policy": {"file": "t.yaml"}, "line": 12, "column": 17}
	unplaced := {"policy": {"name": "AdministratorAccess"}}
	iam.access_location({"file": "iam.json", "grants": [unplaced, placed]}) == {"file": "t.yaml", "line": 12, "column": 17}
	iam.access_location({"file": "iam.json", "grants": [unplaced]}) == {"file": "iam.json"}
	iam.access_location({"file": "iam.json"}) == {"file": "iam.json"}
}

test_condition_text if {
	iam.condition_text({"operator": "StringEquals", "key": "aws:ResourceTag/Env", "values": ["dev", "test"]}) == "aws:ResourceTag/Env StringEquals [dev, test]"
}

test_covers_every_instance_wildcards if {
	iam.covers_every_instance("*", acct)
	iam.covers_every_instance("**", acct)
	iam.covers_every_instance("arn:aws:ec2:*", acct)
	iam.covers_every_instance("arn:aws:ec2:*:*:*", acct)
	iam.covers_every_instance("arn:aws:ec2:*:*:instance/*", acct)
	iam.covers_every_instance("arn:aws:ec2:*:*:instance/i-*", acct)
	iam.covers_every_instance("arn:*:ec2:*:*:instance/*", acct)
	iam.covers_every_instance("arn:aws:ec2:*:111122223333:instance/*", acct)
	iam.covers_every_instance("arn:aws:ec2:*:111122223333:*", acct)
	iam.covers_every_instance("arn:aws:ec2:?*:*:instance/*", acct)
}

test_covers_every_instance_not_narrower if {
	not iam.covers_every_instance("arn:aws:ec2:us-east-1:*:instance/*", acct)
	not iam.covers_every_instance("arn:aws:ec2:*:*:instance/i-0123456789abcdef0", acct)
	not iam.covers_every_instance("arn:aws:ec2:*:*:volume/*", acct)
	not iam.covers_every_instance("arn:aws:ec2:*:444455556666:instance/*", acct)
	not iam.covers_every_instance("arn:aws:ec2:?:*:instance/*", acct)
	not iam.covers_every_instance("arn:aws:s3:::*", acct)
	not iam.covers_every_instance("arn:aws:ec2:*:*:instance/${aws:username}", acct)
}

test_covers_every_instance_unknown_account if {
	iam.covers_every_instance("arn:aws:ec2:*:*:instance/*", null)
	iam.covers_every_instance("arn:aws:ec2:*:444455556666:instance/*", null)
	not iam.covers_every_instance("arn:aws:ec2:*:4444*:instance/*", null)
	not iam.covers_every_instance("arn:aws:ec2:eu-*:*:instance/*", null)
}

test_derived_statement_adds_the_policy_id_and_location if {
	g := {"policy": {"kind": "inline", "name": "stop", "via": "arn:aws:iam::111122223333:role/ops"}, "statement_index": 0}
	d := iam.derived_statement(g)
	d.policy.id == "arn:aws:iam::111122223333:role/ops#stop"
	d.location == {}
	d.statement_index == 0
	placed := iam.derived_statement({"policy": {"kind": "file", "name": "p.json", "file": "p.json"}, "line": 3})
	placed.policy.id == "p.json"
	placed.location == {"file": "p.json", "line": 3}
}

test_derived_access_completes_its_statements_and_location if {
	g := {"policy": {"kind": "managed", "name": "Stop", "arn": "arn:aws:iam::111122223333:policy/Stop"}, "statement_index": 0}
	d := iam.derived_access({"arn": "a", "grants": [g], "denials": [g], "file": "iam.json"})
	d.location == {"file": "iam.json"}
	d.grants[0].policy.id == "arn:aws:iam::111122223333:policy/Stop"
	d.denials[0].location == {}
}
