package stopguard.lib.util_test

import rego.v1

import data.stopguard.lib.util

test_has_text if {
	util.has_text("x")
	not util.has_text("")
	not util.has_text(null)
	not util.has_text(3)
}

test_file_of if {
	util.file_of({"file": "iam.json"}) == {"file": "iam.json"}
	util.file_of({"file": null}) == {}
	util.file_of({}) == {}
}

test_join_limited_short if {
	util.join_limited(["a", "b"], 3) == "a, b"
	util.join_limited([], 3) == ""
}

test_join_limited_long if {
	util.join_limited(["a", "b", "c", "d", "e"], 3) == "a, b, c and 2 more"
}

test_account_resource if {
	util.account_resource({"account_id": "111122223333"}) == "111122223333"
	util.account_resource({"account_id": null}) == "account"
	util.account_resource({}) == "account"
}

test_account_text if {
	util.account_text({"account_id": "111122223333"}) == "account 111122223333"
	util.account_text({"account_id": null}) == "the account"
}

test_input_account_id if {
	util.input_account_id == "111122223333" with input as {"account_id": "111122223333"}
	util.input_account_id == null with input as {"account_id": null}
	util.input_account_id == null with input as {}
	util.input_account == {"account_id": "111122223333"} with input as {"account_id": "111122223333"}
}
