package ddb_guardrails.rules.fgac.leading_keys_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "fgac/leading_keys"

test_item_access_without_leading_keys_is_flagged_wherever_the_policy_lives if {
	fixtures.findings_for(subject, "fgac-leading-keys") == {
		["aws_iam_policy.invalid_no_leading_keys", "DDB-FGAC-001"],
		["aws_iam_role.invalid_inline_unscoped", "DDB-FGAC-001"],
		["aws_iam_user_policy.invalid_constant_leading_keys", "DDB-FGAC-001"],
		["module.tenants[0].aws_iam_policy.invalid_constant_tenant[0]", "DDB-FGAC-001"],
		["module.tenants[1].aws_iam_policy.invalid_constant_tenant[0]", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_unresolvable_json", "DDB-FGAC-001-UNPROVABLE"],
		["aws_iam_role_policy.invalid_unknown_leading_keys", "DDB-FGAC-001-UNPROVABLE"],
	}
}

test_wildcards_and_not_action_grant_item_access if {
	fixtures.findings_for(subject, "fgac-scan-admin") == {
		["aws_iam_group_policy.invalid_star_action", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_dynamodb_star", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_not_action", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_star_one_table", "DDB-FGAC-001"],
		["aws_iam_user_policy.invalid_not_action_everything", "DDB-FGAC-001"],
	}
}

test_not_resource_data_source_not_actions_and_inline_documents_are_read if {
	fixtures.findings_for(subject, "fgac-policy-shapes") == {
		["aws_iam_policy.invalid_not_resource", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_data_not_actions", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_not_resource_admin", "DDB-FGAC-001"],
		["aws_iam_role.invalid_inline_document", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_dynamic_statements", "DDB-FGAC-001-UNPROVABLE"],
		["aws_iam_policy.invalid_merged_document", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_override_document", "DDB-FGAC-001-UNPROVABLE"],
		["aws_iam_policy.invalid_twice_merged", "DDB-FGAC-001-UNPROVABLE"],
		["aws_iam_policy.invalid_unknown_actions", "DDB-FGAC-001-UNPROVABLE"],
	}
}

test_compliant_stack_with_unknown_policy_json_passes if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
}

test_finding_names_the_statement_the_pattern_and_the_condition if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-leading-keys"))
	f.address == "aws_iam_user_policy.invalid_constant_leading_keys"
	f.message == "policy statement[0] allows dynamodb:BatchGetItem, dynamodb:GetItem without dynamodb:LeadingKeys bound to the caller"
	f.evidence == [
		"policy statement[0]: Action dynamodb:BatchGetItem",
		"forallvalues:stringlike dynamodb:LeadingKeys = [\"*\"]",
	]
}

test_wildcard_evidence_keeps_the_pattern_as_written if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-leading-keys"))
	f.address == "aws_iam_policy.invalid_no_leading_keys"
	f.evidence == [
		"policy <- data.aws_iam_policy_document.unscoped statement[0]: Action dynamodb:*Item",
		"dynamodb:LeadingKeys: no condition",
	]
}

test_accepted_principal_variables_are_a_parameter if {
	result := {f.address |
		some f in fixtures.violations(subject, fixtures.plan("fgac-leading-keys"))
			with data.ddb_guardrails_config.parameters as {"principal_variables": ["aws:username"]}
		f.rule == "DDB-FGAC-001"
	}
	"aws_iam_group_policy.valid_cognito_identity" in result
	"aws_iam_role_policy.valid_tenant_scoped" in result
	"module.tenants[0].aws_iam_policy.valid_scoped" in result
}

test_leading_keys_values_that_bind_nothing_are_flagged if {
	fixtures.findings_for(subject, "fgac-leading-keys-binding") == {
		["aws_dynamodb_resource_policy.invalid_literal_account_principal", "DDB-FGAC-001"],
		["aws_dynamodb_resource_policy.invalid_literal_two_roles", "DDB-FGAC-001"],
		["aws_iam_group_policy.invalid_literal_group", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_for_any_value", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_like_tag_prefix", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_like_wrapped_username", "DDB-FGAC-001"],
		["aws_iam_policy.invalid_literal_managed_policy", "DDB-FGAC-001"],
		["aws_iam_role_policy.invalid_like_star_one_role", "DDB-FGAC-001"],
	}
}

test_a_literal_partition_of_one_fixed_principal_is_scoped if {
	addresses := {address | some [address, _] in fixtures.findings_for(subject, "fgac-leading-keys-binding")}
	every address in [
		"aws_iam_role_policy.valid_literal_partner_role",
		"aws_iam_user_policy.valid_literal_user",
		"aws_iam_role.valid_literal_inline",
		"aws_dynamodb_resource_policy.valid_literal_one_role",
	] {
		not address in addresses
	}
}

# Policies attached by ARN: AWS-managed ones are judged from the generated table, others cannot be read.
test_attached_policies_are_judged_on_the_attachment if {
	fixtures.findings_for(subject, "fgac-managed-policies") == {
		["aws_iam_group_policy_attachment.invalid_dynamodb_read_only", "DDB-FGAC-001"],
		["aws_iam_group_policy_attachments_exclusive.invalid_group_exclusive", "DDB-FGAC-001"],
		["aws_iam_policy_attachment.invalid_power_user", "DDB-FGAC-001"],
		["aws_iam_role.invalid_managed_policy_arns", "DDB-FGAC-001"],
		["aws_iam_role_policy_attachment.invalid_dynamodb_full_access", "DDB-FGAC-001"],
		["aws_iam_role_policy_attachments_exclusive.invalid_role_exclusive", "DDB-FGAC-001"],
		["aws_iam_user_policy_attachment.invalid_administrator_access", "DDB-FGAC-001"],
		["aws_iam_user_policy_attachments_exclusive.invalid_user_exclusive", "DDB-FGAC-001"],
		["aws_iam_role_policy_attachment.invalid_arn_after_apply", "DDB-FGAC-001-UNPROVABLE"],
		["aws_cloudformation_stack.policies", "DDB-FGAC-001"],
		["aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-001-UNPROVABLE"],
		["aws_iam_role_policy_attachment.invalid_unknown_aws_managed_name", "DDB-FGAC-001-UNPROVABLE"],
	}
	fixtures.findings_for(subject, "fgac-sso") == {
		["aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-001-UNPROVABLE"],
		["aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access", "DDB-FGAC-001"],
		["aws_ssoadmin_permission_set_inline_policy.invalid_inline_scan", "DDB-FGAC-001"],
	}
	fixtures.findings_for(subject, "fgac-admin-actions") == {["aws_iam_role_policy_attachment.invalid_managed_full_access", "DDB-FGAC-001"]}
}

test_unreadable_policies_of_every_kind_are_unprovable if {
	fixtures.findings_for(subject, "fgac-protected-attributes") == {["aws_iam_policy.invalid_unresolvable_writer", "DDB-FGAC-001-UNPROVABLE"]}
	fixtures.findings_for(subject, "fgac-resource-policy") == {["aws_dynamodb_resource_policy.invalid_unresolvable_policy", "DDB-FGAC-001-UNPROVABLE"]}
}

# A template policy bound by dynamodb:LeadingKeys passes; the public resource policy of a template
# table does not bind its items.
test_template_policies_are_judged_for_leading_keys if {
	fixtures.findings_for(subject, "cfn-stack-iam") == {
		["aws_cloudformation_stack.invalid_managed_policy_full_access", "DDB-FGAC-001"],
		["aws_cloudformation_stack.invalid_public_resource_policy", "DDB-FGAC-001"],
		["aws_cloudformation_stack.invalid_role_policies", "DDB-FGAC-001"],
		["aws_cloudformation_stack.invalid_sub_resource", "DDB-FGAC-001-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_yaml_sub", "DDB-FGAC-001-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_template_url", "DDB-FGAC-001-UNPROVABLE"],
	}
}

# A variable default is a partition every caller without the tag shares; the caller's account is
# not a value the caller chooses.
test_variable_defaults_bind_nothing_and_accounts_bind if {
	fixtures.findings_for(subject, "iam-fgac-questions") == {["aws_iam_policy.invalid_variable_default", "DDB-FGAC-001"]}
	some f in fixtures.violations(subject, fixtures.plan("iam-fgac-questions"))
	f.witness.context["dynamodb:LeadingKeys"] == ["acme"]
	f.witness.principal.tags == {}
}

test_service_roles_with_item_access_to_any_tenant_are_flagged if {
	fixtures.findings_for(subject, "fgac-service-roles-insecure") == {
		["aws_iam_policy.invalid_lambda_items", "DDB-FGAC-001"],
		["aws_iam_role.invalid_states_full_access", "DDB-FGAC-001"],
		["aws_iam_role_policy.invalid_apigateway_admin", "DDB-FGAC-001"],
		["aws_iam_role_policy.invalid_appsync_scan", "DDB-FGAC-001"],
	}
}

# A customer-managed policy attached to a Lambda execution role is asked as that role first.
test_a_policy_attached_to_a_service_role_is_witnessed_by_the_role if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-service-roles-insecure"))
	f.address == "aws_iam_policy.invalid_lambda_items"
	f.witness.principal.arn == "arn:aws:iam::123456789012:role/orders-lambda"
}

test_service_roles_bound_to_the_tenant_pass if {
	fixtures.findings_for(subject, "fgac-service-roles") == set()
}
