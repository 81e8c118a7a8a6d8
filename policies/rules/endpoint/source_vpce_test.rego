package ddb_guardrails.rules.endpoint.source_vpce_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "endpoint/source_vpce"

test_vpc_workload_data_access_without_source_vpce_is_flagged if {
	fixtures.findings_for(subject, "endpoint-missing") == {
		["aws_iam_role_policy.invalid_no_source_vpce", "DDB-EP-004"],
		["aws_iam_role_policy.invalid_source_vpce_if_exists", "DDB-EP-004"],
		["aws_iam_role_policy.invalid_deny_inside_endpoint", "DDB-EP-004"],
		["aws_iam_role_policy.invalid_unresolvable_data_policy", "DDB-EP-004-UNPROVABLE"],
	}
}

test_source_vpce_condition_with_unknown_endpoint_id_passes if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
}

test_message_names_the_workloads if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-missing"))
	f.rule == "DDB-EP-004"
	f.message == "policy statement[0] allows dynamodb:GetItem to aws_lambda_function.jobs, aws_lambda_function.worker (in a VPC) without aws:SourceVpce"
}

test_policies_of_workloads_outside_vpcs_are_not_judged if {
	fixtures.findings_for(subject, "fgac-leading-keys") == set()
}

test_if_exists_is_named_in_the_evidence if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-missing"))
	f.address == "aws_iam_role_policy.invalid_source_vpce_if_exists"
	f.evidence == ["policy statement[0]: Action dynamodb:Query; stringequalsifexists aws:SourceVpce does not require the endpoint"]
}

test_aws_managed_policies_attached_to_vpc_workloads_need_source_vpce if {
	fixtures.findings_for(subject, "endpoint-managed-policies") == {
		["aws_iam_policy_attachment.invalid_full_access", "DDB-EP-004"],
		["aws_iam_role.invalid_managed_policy_arns", "DDB-EP-004"],
		["aws_iam_role_policy_attachment.invalid_read_only", "DDB-EP-004"],
		["aws_iam_role_policy_attachments_exclusive.invalid_exclusive", "DDB-EP-004"],
	}
}
