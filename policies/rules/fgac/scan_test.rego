package ddb_guardrails.rules.fgac.scan_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "fgac/scan"

test_scan_allowed_by_name_wildcard_or_not_action_is_flagged if {
	fixtures.findings_for(subject, "fgac-scan-admin") == {
		["aws_iam_group_policy.invalid_star_action", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_dynamodb_star", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_explicit_scan", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_not_action", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_star_one_table", "DDB-FGAC-002"],
		["aws_iam_role_policy.invalid_wildcard_scan", "DDB-FGAC-002"],
		["aws_iam_user_policy.invalid_not_action_everything", "DDB-FGAC-002"],
	}
}

test_query_only_a_denied_scan_and_other_services_pass if {
	addresses := {address | some [address, _] in fixtures.findings_for(subject, "fgac-scan-admin")}
	not "aws_iam_policy.valid_query_only" in addresses
	not "aws_iam_policy.valid_scan_denied" in addresses
	not "aws_iam_policy.valid_other_service" in addresses
}

test_scan_through_data_source_not_actions_and_merged_documents_is_flagged if {
	fixtures.findings_for(subject, "fgac-policy-shapes") == {
		["aws_iam_policy.invalid_data_not_actions", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_not_resource_admin", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_dynamic_statements", "DDB-FGAC-002-UNPROVABLE"],
		["aws_iam_policy.invalid_merged_document", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_known_source_scan", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_override_document", "DDB-FGAC-002-UNPROVABLE"],
		["aws_iam_policy.invalid_twice_merged", "DDB-FGAC-002-UNPROVABLE"],
		["aws_iam_policy.invalid_unknown_actions", "DDB-FGAC-002-UNPROVABLE"],
	}
}

test_evidence_says_how_scan_is_reached if {
	evidence := {e |
		some f in fixtures.violations(subject, fixtures.plan("fgac-scan-admin"))
		some e in f.evidence
	}
	"policy statement[0]: Action dynamodb:S*" in evidence
	"policy statement[0]: NotAction [\"iam:*\",\"dynamodb:DeleteTable\"] does not exclude it" in evidence
}

test_compliant_stack_passes if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
}

test_partiql_select_without_a_full_table_scan_refusal_is_a_scan if {
	fixtures.findings_for(subject, "fgac-partiql-scan") == {
		["aws_dynamodb_resource_policy.invalid_partiql_resource_policy", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_partiql_deny_narrowed", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_partiql_leading_keys", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_partiql_scan_denied_only", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_partiql_wildcard_index", "DDB-FGAC-002"],
	}
}

test_partiql_evidence_says_leading_keys_do_not_refuse_it if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-partiql-scan"))
	f.address == "aws_iam_policy.invalid_partiql_leading_keys"
	f.message == "policy statement[0] allows dynamodb:PartiQLSelect"
	f.evidence == [concat("", [
		"policy statement[0]: Action dynamodb:PartiQLSelect (Condition forallvalues:stringequals dynamodb:leadingkeys ",
		"[\"${aws:PrincipalTag/tenant}\"])",
	])]
}

test_scan_and_partiql_of_one_statement_are_one_finding if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-scan-admin"))
	f.address == "aws_iam_policy.invalid_dynamodb_star"
	f.message == "policy statement[0] allows dynamodb:PartiQLSelect, dynamodb:Scan"
	count(f.evidence) == 2
}

# Policies attached by ARN: AWS-managed ones are judged from the generated table, others cannot be read.
test_attached_policies_are_judged_on_the_attachment if {
	fixtures.findings_for(subject, "fgac-managed-policies") == {
		["aws_iam_group_policy_attachment.invalid_dynamodb_read_only", "DDB-FGAC-002"],
		["aws_iam_group_policy_attachments_exclusive.invalid_group_exclusive", "DDB-FGAC-002"],
		["aws_iam_policy_attachment.invalid_power_user", "DDB-FGAC-002"],
		["aws_iam_role.invalid_managed_policy_arns", "DDB-FGAC-002"],
		["aws_iam_role_policy_attachment.invalid_dynamodb_full_access", "DDB-FGAC-002"],
		["aws_iam_role_policy_attachments_exclusive.invalid_role_exclusive", "DDB-FGAC-002"],
		["aws_iam_user_policy_attachment.invalid_administrator_access", "DDB-FGAC-002"],
		["aws_iam_user_policy_attachments_exclusive.invalid_user_exclusive", "DDB-FGAC-002"],
		["aws_iam_role_policy_attachment.invalid_arn_after_apply", "DDB-FGAC-002-UNPROVABLE"],
		["aws_cloudformation_stack.policies", "DDB-FGAC-002"],
		["aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-002-UNPROVABLE"],
		["aws_iam_role_policy_attachment.invalid_unknown_aws_managed_name", "DDB-FGAC-002-UNPROVABLE"],
	}
	fixtures.findings_for(subject, "fgac-sso") == {
		["aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-002-UNPROVABLE"],
		["aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access", "DDB-FGAC-002"],
		["aws_ssoadmin_permission_set_inline_policy.invalid_inline_scan", "DDB-FGAC-002"],
	}
	fixtures.findings_for(subject, "fgac-admin-actions") == {["aws_iam_role_policy_attachment.invalid_managed_full_access", "DDB-FGAC-002"]}
}

test_unreadable_policies_of_every_kind_are_unprovable if {
	fixtures.findings_for(subject, "fgac-leading-keys") == {["aws_iam_policy.invalid_unresolvable_json", "DDB-FGAC-002-UNPROVABLE"]}
	fixtures.findings_for(subject, "fgac-protected-attributes") == {["aws_iam_policy.invalid_unresolvable_writer", "DDB-FGAC-002-UNPROVABLE"]}
	fixtures.findings_for(subject, "fgac-resource-policy") == {["aws_dynamodb_resource_policy.invalid_unresolvable_policy", "DDB-FGAC-002-UNPROVABLE"]}
}

# A role's inline policy in a template allows Scan; the LeadingKeys-scoped managed policy does not.
test_template_policies_that_allow_scan_are_flagged if {
	fixtures.findings_for(subject, "cfn-stack-iam") == {
		["aws_cloudformation_stack.invalid_managed_policy_full_access", "DDB-FGAC-002"],
		["aws_cloudformation_stack.invalid_role_policies", "DDB-FGAC-002"],
		["aws_cloudformation_stack.invalid_sub_resource", "DDB-FGAC-002-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_yaml_sub", "DDB-FGAC-002-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_template_url", "DDB-FGAC-002-UNPROVABLE"],
	}
	messages := {f.message | some f in fixtures.violations(subject, fixtures.plan("cfn-stack-iam")); f.address == "aws_cloudformation_stack.invalid_role_policies"}
	"template_body Resources.Reader.Properties.Policies[0].PolicyDocument (AWS::IAM::Role) statement[0] allows dynamodb:Scan" in messages
}

# A Deny on another table, or behind a condition the caller need not meet, is a decoy; every action
# on this account's tables includes Scan and a full-table SELECT whatever the LeadingKeys condition.
test_decoy_denies_do_not_refuse_scan if {
	fixtures.findings_for(subject, "iam-fgac-questions") == {
		["aws_iam_policy.invalid_decoy_deny_condition", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_decoy_deny_other_table", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_vacuous_binding", "DDB-FGAC-002"],
	}
}

test_the_witness_is_the_scan_that_gets_through if {
	some f in fixtures.violations(subject, fixtures.plan("iam-fgac-questions"))
	f.address == "aws_iam_policy.invalid_decoy_deny_other_table"
	f.witness.action == "dynamodb:Scan"
	f.witness.resource == "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions"
	f.witness.context["dynamodb:Select"] == "ALL_ATTRIBUTES"
}

# Services acting for a team (Glue, Lambda, Step Functions, AppSync, API Gateway) are callers like any
# other: their roles' policies are judged on their actions, and the witness is the role itself.
test_service_roles_that_scan_the_table_are_flagged if {
	fixtures.findings_for(subject, "fgac-service-roles-insecure") == {
		["aws_iam_role.invalid_states_full_access", "DDB-FGAC-002"],
		["aws_iam_role_policy.invalid_appsync_scan", "DDB-FGAC-002"],
		["aws_iam_role_policy.invalid_glue_scan", "DDB-FGAC-002"],
	}
}

test_a_glue_roles_scan_is_witnessed_by_the_role_the_crawler_runs_as if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-service-roles-insecure"))
	f.address == "aws_iam_role_policy.invalid_glue_scan"
	f.witness.principal.arn == "arn:aws:iam::123456789012:role/orders-glue"
	f.witness.action == "dynamodb:Scan"
	f.witness.resource == "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
}

test_service_roles_bound_to_the_tenant_pass if {
	fixtures.findings_for(subject, "fgac-service-roles") == set()
}

# A table name read from an SSM parameter, a resource of another provider or a bucket's id can be
# any table's; without the source, each jsonencode() policy cannot be read. The ARN of the plan's
# table, key, log group and bucket reaches those only.
test_a_resource_built_from_a_value_other_than_an_arn_reaches_any_table if {
	fixtures.findings_for(subject, "fgac-opaque-resource-refs") == {
		["aws_iam_policy.invalid_scan_bucket_named_table", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_scan_parameter_table", "DDB-FGAC-002"],
		["aws_iam_role_policy.invalid_scan_data_table", "DDB-FGAC-002"],
		["aws_iam_policy.invalid_scan_parameter_table_jsonencode", "DDB-FGAC-002-UNPROVABLE"],
		["aws_iam_role_policy.invalid_scan_data_table_jsonencode", "DDB-FGAC-002-UNPROVABLE"],
		["aws_iam_role_policy.valid_own_items_jsonencode", "DDB-FGAC-002-UNPROVABLE"],
	}
	witnesses := {f.witness.resource | some f in fixtures.violations(subject, fixtures.plan("fgac-opaque-resource-refs")); f.rule == "DDB-FGAC-002"}
	witnesses == {"arn:aws:dynamodb:us-east-1:123456789012:table/ddb-guardrails-probe"}
}
