package stopguard.lib.regions_test

import rego.v1

import data.stopguard.lib.regions

inp(instances) := {"ec2": {"instances": instances}}

test_regions_of_live_instances if {
	regions.scopes(inp([
		{"id": "i-1", "region": "eu-west-1", "state": "running"},
		{"id": "i-2", "region": "us-east-1", "state": "stopped"},
		{"id": "i-3", "region": "ap-south-1", "state": "terminated"},
	])) == {"eu-west-1", "us-east-1"}
}

test_no_instances_is_one_account_wide_scope if {
	regions.scopes(inp([])) == {null}
	regions.scopes({}) == {null}
}

test_serves if {
	regions.serves({"region": "eu-west-1"}, "eu-west-1")
	regions.serves({"region": null}, "eu-west-1")
	regions.serves({}, "eu-west-1")
	regions.serves({"region": "us-east-1"}, null)
	not regions.serves({"region": "us-east-1"}, "eu-west-1")
}

test_where if {
	regions.where("eu-west-1") == "in eu-west-1"
	regions.where(null) == "in the account"
}

test_input_scopes if {
	regions.input_scopes == {"eu-west-1"} with input as {"ec2": {"instances": [{"region": "eu-west-1", "state": "running"}]}}
	regions.input_scopes == {null} with input as {}
}
