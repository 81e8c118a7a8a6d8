package ddb_guardrails.rules.endpoint.gateway_endpoint_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "endpoint/gateway_endpoint"

test_vpc_with_lambda_and_no_dynamodb_gateway_endpoint_is_flagged if {
	fixtures.findings_for(subject, "endpoint-missing") == {
		["aws_vpc.invalid_no_endpoint", "DDB-EP-001"],
		["aws_vpc.invalid_instances_only", "DDB-EP-001"],
		["aws_vpc.invalid_s3_endpoint_only", "DDB-EP-001"],
		["aws_vpc.invalid_unknown_service", "DDB-EP-001-UNPROVABLE"],
		["aws_lambda_function.invalid_existing_subnets", "DDB-EP-001-UNPROVABLE"],
	}
}

test_vpcs_with_a_gateway_endpoint_pass if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
	fixtures.findings_for(subject, "endpoint-policy-routes") == set()
}

test_evidence_shows_the_reference_chain if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-missing"))
	f.address == "aws_vpc.invalid_no_endpoint"
	f.evidence == ["aws_lambda_function.worker -> aws_subnet.app -> aws_vpc.invalid_no_endpoint"]
}

test_unplaced_compute_says_which_reference_it_could_not_follow if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-missing"))
	f.address == "aws_lambda_function.invalid_existing_subnets"
	f.evidence == ["aws_lambda_function.invalid_existing_subnets.vpc_config[0].subnet_ids <- the constant [\"subnet-0123456789abcdef0\"]"]
}

test_a_vpc_whose_workloads_have_only_managed_policies_needs_the_endpoint_too if {
	fixtures.findings_for(subject, "endpoint-managed-policies") == {["aws_vpc.invalid_no_endpoint", "DDB-EP-001"]}
}
