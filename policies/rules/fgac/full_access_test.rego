package ddb_guardrails.rules.fgac.full_access_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "fgac/full_access"

test_every_action_on_every_table_is_flagged if {
	fixtures.findings_for(subject, "fgac-scan-admin") == {
		["aws_iam_group_policy.invalid_star_action", "DDB-FGAC-003"],
		["aws_iam_policy.invalid_dynamodb_star", "DDB-FGAC-003"],
		["aws_iam_user_policy.invalid_not_action_everything", "DDB-FGAC-003"],
	}
}

test_unreadable_policies_are_unprovable_not_passed if {
	fixtures.findings_for(subject, "fgac-leading-keys") == {["aws_iam_policy.invalid_unresolvable_json", "DDB-FGAC-003-UNPROVABLE"]}
}

test_evidence_names_the_actions_and_resource if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-scan-admin"))
	f.address == "aws_iam_policy.invalid_dynamodb_star"
	f.evidence == ["policy <- data.aws_iam_policy_document.admin statement[0]: Action [\"dynamodb:*\"] on Resource *"]
}

test_not_resource_counts_as_every_table if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-policy-shapes"))
	f.address == "aws_iam_policy.invalid_not_resource_admin"
	f.evidence == ["policy statement[0]: NotAction [\"iam:*\"] on NotResource [\"arn:aws:dynamodb:eu-west-1:111122223333:table/other\"]"]
}

test_compliant_stack_passes if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
}

# Policies attached by ARN: AWS-managed ones are judged from the generated table, others cannot be read.
test_attached_policies_are_judged_on_the_attachment if {
	fixtures.findings_for(subject, "fgac-managed-policies") == {
		["aws_iam_group_policy_attachments_exclusive.invalid_group_exclusive", "DDB-FGAC-003"],
		["aws_iam_policy_attachment.invalid_power_user", "DDB-FGAC-003"],
		["aws_iam_role_policy_attachment.invalid_dynamodb_full_access", "DDB-FGAC-003"],
		["aws_iam_role_policy_attachments_exclusive.invalid_role_exclusive", "DDB-FGAC-003"],
		["aws_iam_user_policy_attachment.invalid_administrator_access", "DDB-FGAC-003"],
		["aws_iam_user_policy_attachments_exclusive.invalid_user_exclusive", "DDB-FGAC-003"],
		["aws_iam_role_policy_attachment.invalid_arn_after_apply", "DDB-FGAC-003-UNPROVABLE"],
		["aws_cloudformation_stack.policies", "DDB-FGAC-003"],
		["aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-003-UNPROVABLE"],
		["aws_iam_role_policy_attachment.invalid_unknown_aws_managed_name", "DDB-FGAC-003-UNPROVABLE"],
	}
	fixtures.findings_for(subject, "fgac-sso") == {
		["aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-003-UNPROVABLE"],
		["aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access", "DDB-FGAC-003"],
	}
	fixtures.findings_for(subject, "fgac-admin-actions") == {["aws_iam_role_policy_attachment.invalid_managed_full_access", "DDB-FGAC-003"]}
}

test_unreadable_policies_of_every_kind_are_unprovable if {
	fixtures.findings_for(subject, "fgac-protected-attributes") == {["aws_iam_policy.invalid_unresolvable_writer", "DDB-FGAC-003-UNPROVABLE"]}
	fixtures.findings_for(subject, "fgac-resource-policy") == {["aws_dynamodb_resource_policy.invalid_unresolvable_policy", "DDB-FGAC-003-UNPROVABLE"]}
}

test_not_resource_admin_is_full_access_and_unreadable_documents_are_unprovable if {
	fixtures.findings_for(subject, "fgac-policy-shapes") == {
		["aws_iam_policy.invalid_not_resource_admin", "DDB-FGAC-003"],
		["aws_iam_policy.invalid_dynamic_statements", "DDB-FGAC-003-UNPROVABLE"],
		["aws_iam_policy.invalid_override_document", "DDB-FGAC-003-UNPROVABLE"],
		["aws_iam_policy.invalid_twice_merged", "DDB-FGAC-003-UNPROVABLE"],
		["aws_iam_policy.invalid_unknown_actions", "DDB-FGAC-003-UNPROVABLE"],
	}
}

# Policies inside CloudFormation templates are judged as Terraform's, on the stack: plain JSON is
# read, intrinsic functions in a document and templates that cannot be read are unprovable.
test_policies_of_cloudformation_templates_are_judged_on_the_stack if {
	fixtures.findings_for(subject, "cfn-stack-iam") == {
		["aws_cloudformation_stack.invalid_managed_policy_full_access", "DDB-FGAC-003"],
		["aws_cloudformation_stack.invalid_role_policies", "DDB-FGAC-003"],
		["aws_cloudformation_stack.invalid_sub_resource", "DDB-FGAC-003-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_yaml_sub", "DDB-FGAC-003-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_template_url", "DDB-FGAC-003-UNPROVABLE"],
	}
	some f in fixtures.violations(subject, fixtures.plan("cfn-stack-iam"))
	f.address == "aws_cloudformation_stack.invalid_managed_policy_full_access"
	f.message == "template_body Resources.DdbAccess.Properties.PolicyDocument (AWS::IAM::ManagedPolicy) statement[0] allows every DynamoDB action on every table"
	f.evidence == ["template_body Resources.DdbAccess.Properties.PolicyDocument statement[0]: Action [\"dynamodb:*\"] on Resource *"]
}

test_an_intrinsic_function_in_a_template_policy_is_unprovable if {
	some f in fixtures.violations(subject, fixtures.plan("cfn-stack-iam"))
	f.address == "aws_cloudformation_stack.invalid_yaml_sub"
	f.evidence == [concat("", [
		"template_body Resources.Operator.Properties.Policies[0].PolicyDocument: it holds ",
		`{"Fn::Sub":"arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"}, `,
		"which CloudFormation evaluates at deploy time; the plan cannot follow it",
	])]
}

# dynamodb:* on this account's table/* under a LeadingKeys condition: DeleteTable carries no leading
# key, so the condition holds.
test_every_action_on_this_accounts_tables_under_leading_keys_is_flagged if {
	fixtures.findings_for(subject, "iam-fgac-questions") == {["aws_iam_policy.invalid_vacuous_binding", "DDB-FGAC-003"]}
	some f in fixtures.violations(subject, fixtures.plan("iam-fgac-questions"))
	f.witness.action == "dynamodb:DeleteTable"
	f.witness.resource == "arn:aws:dynamodb:eu-west-1:111122223333:table/ddb-guardrails-probe"
	not f.witness.context["dynamodb:LeadingKeys"]
	f.evidence == ["policy statement[0]: Action [\"dynamodb:*\"] on Resource arn:aws:dynamodb:eu-west-1:111122223333:table/*"]
}

test_a_step_functions_role_with_every_action_is_flagged if {
	fixtures.findings_for(subject, "fgac-service-roles-insecure") == {["aws_iam_role.invalid_states_full_access", "DDB-FGAC-003"]}
	fixtures.findings_for(subject, "fgac-service-roles") == set()
}
