package ddb_guardrails.lib.network_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.network

test_lambda_is_placed_through_a_splat_of_counted_subnets if {
	placements := network._placements with input as fixtures.plan("endpoint-compliant")
	placements == {
		["aws_lambda_function.valid_api", "aws_subnet.private[0]", "aws_vpc.valid_private"],
		["aws_lambda_function.valid_api", "aws_subnet.private[1]", "aws_vpc.valid_private"],
	}
}

test_endpoint_route_tables_from_ids_and_association_resources if {
	tables := network._endpoint_tables with input as fixtures.plan("endpoint-policy-routes")
	tables["aws_vpc_endpoint.valid_main_route_table"] == {"main:aws_vpc.d"}
	tables["module.endpoint.aws_vpc_endpoint.invalid_open_document"] == {"aws_route_table.e"}
}

test_subnet_without_association_uses_the_main_route_table if {
	network.subnet_route_tables("aws_subnet.d", "aws_vpc.d") == {"main:aws_vpc.d"} with input as fixtures.plan("endpoint-policy-routes")
	network.subnet_route_tables("aws_subnet.a", "aws_vpc.a") == {"aws_route_table.a"} with input as fixtures.plan("endpoint-policy-routes")
}

test_route_table_tokens if {
	plan := fixtures.plan("endpoint-policy-routes")
	network._route_table_tokens({"kind": "resource", "address": "aws_vpc.d"}) == {"main:aws_vpc.d"} with input as plan
	network._route_table_tokens({"kind": "resource", "address": "aws_default_route_table.d"}) == {"main:aws_vpc.d"} with input as plan
	network._route_table_tokens({"kind": "constant", "value": ["rtb-1", "rtb-2"]}) == {"id:rtb-1", "id:rtb-2"}
	network._route_table_tokens({"kind": "constant", "value": "rtb-3"}) == {"id:rtb-3"}
	network._route_table_tokens({"kind": "unresolved", "reference": "local.rt"}) == {"unresolved:local.rt (not resolvable from the plan)"}
}

test_roles_and_their_documents if {
	network.roles_of("aws_lambda_function.worker") == {"aws_iam_role.worker"} with input as fixtures.plan("endpoint-missing")
	holders := {d.holder | some d in network.role_documents("aws_iam_role.worker")} with input as fixtures.plan("endpoint-missing")
	holders == {
		"aws_iam_role_policy.invalid_no_source_vpce",
		"aws_iam_role_policy.valid_logs_only",
		"aws_iam_role_policy.valid_deny_outside_endpoint",
		"aws_iam_role_policy.invalid_source_vpce_if_exists",
		"aws_iam_role_policy.invalid_deny_inside_endpoint",
		"aws_iam_role_policy.invalid_unresolvable_data_policy",
		"aws_iam_policy.valid_source_vpce",
	}
}

test_policies_attached_by_arn_apply_to_the_role_they_name if {
	holders := {d.holder | some d in network.role_documents("aws_iam_role.worker")} with input as fixtures.plan("endpoint-managed-policies")
	holders == {"aws_iam_role_policy_attachment.invalid_read_only", "aws_iam_policy_attachment.invalid_full_access"}
	reader := {d.holder | some d in network.role_documents("aws_iam_role.invalid_managed_policy_arns")} with input as fixtures.plan("endpoint-managed-policies")
	reader == {"aws_iam_role.invalid_managed_policy_arns", "aws_iam_role_policy_attachments_exclusive.invalid_exclusive"}
}
