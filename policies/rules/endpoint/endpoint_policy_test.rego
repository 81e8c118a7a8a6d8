package ddb_guardrails.rules.endpoint.endpoint_policy_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "endpoint/endpoint_policy"

test_endpoint_without_policy_or_with_an_open_one_is_flagged if {
	fixtures.findings_for(subject, "endpoint-policy-routes") == {
		["aws_vpc_endpoint.invalid_no_policy", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_open_policy", "DDB-EP-002"],
		["module.endpoint.aws_vpc_endpoint.invalid_open_document", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_unresolvable", "DDB-EP-002-UNPROVABLE"],
	}
}

test_restrictive_policy_from_unknown_json_passes if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
}

test_endpoints_of_other_services_are_not_judged_and_of_unknown_ones_wait_for_apply if {
	fixtures.findings_for(subject, "endpoint-missing") == {["aws_vpc_endpoint.unknown_service", "DDB-EP-002-UNPROVABLE"]}
}

test_unknown_service_evidence_says_what_would_be_wrong if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-missing"))
	f.evidence == [
		"aws_vpc_endpoint.unknown_service.service_name: (known after apply)",
		"aws_vpc_endpoint.unknown_service.policy: not set (default policy: full access)",
	]
}

test_module_endpoint_of_a_data_source_service_without_source_waits_for_apply if {
	fixtures.findings_for(subject, "source-vpc") == {
		["module.invalid_open_endpoints.aws_vpc_endpoint.this[\"dynamodb\"]", "DDB-EP-002-UNPROVABLE"],
		["module.vpc_endpoints.aws_vpc_endpoint.this[\"dynamodb\"]", "DDB-EP-002-UNPROVABLE"],
	}
}

test_missing_policy_evidence if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-policy-routes"))
	f.address == "aws_vpc_endpoint.invalid_no_policy"
	f.evidence == ["aws_vpc_endpoint.invalid_no_policy.policy: not set (default policy: full access)"]
}

test_every_table_pattern_and_conditions_that_narrow_nothing_are_full_access if {
	fixtures.findings_for(subject, "endpoint-policy-conditions") == {
		["aws_vpc_endpoint.invalid_every_arn", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_every_table", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_principal_arn_star", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_secure_transport", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_source_ip_anywhere", "DDB-EP-002"],
		["aws_vpc_endpoint.invalid_source_vpc", "DDB-EP-002"],
		["aws_vpc_endpoint_policy.invalid_separate_policy", "DDB-EP-002"],
	}
}

test_open_policy_evidence_names_pattern_and_condition if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-policy-conditions"))
	f.address == "aws_vpc_endpoint.invalid_source_vpc"
	f.evidence == [concat("", [
		"policy statement[0]: Principal [\"*\"], Action [\"dynamodb:*\"] on Resource [\"*\"], ",
		"Condition stringequals aws:sourcevpc [\"vpc-0123456789abcdef0\"]",
	])]
}

# Item writes on "*" through the endpoint copy data into another account's table; reads, or writes
# on this account's tables, do not.
test_item_writes_to_any_account_are_exfiltration if {
	fixtures.findings_for(subject, "iam-endpoint-exfiltration") == {["aws_vpc_endpoint.invalid_item_writes_anywhere", "DDB-EP-002"]}
	some f in fixtures.violations(subject, fixtures.plan("iam-endpoint-exfiltration"))
	f.message == "policy statement[0] lets any principal write items to tables of any account through the endpoint"
	f.witness.action == "dynamodb:PutItem"
	f.witness.resource == "arn:aws:dynamodb:us-east-1:999999999999:table/ddb-guardrails-probe"
	f.witness.principal.account != "999999999999"
}
