package ddb_guardrails.rules.fgac.admin_actions_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.fgac.admin_actions

subject := "fgac/admin_actions"

test_administration_of_every_table_is_flagged if {
	fixtures.findings_for(subject, "fgac-admin-actions") == {
		["aws_iam_policy.invalid_delete_table_everywhere", "DDB-FGAC-006"],
		["aws_iam_role_policy.invalid_put_resource_policy_any_table", "DDB-FGAC-006"],
		["aws_iam_user_policy.invalid_pitr_off_account_tables", "DDB-FGAC-006"],
		["aws_iam_group_policy.invalid_restore_not_resource", "DDB-FGAC-006"],
		["aws_iam_policy.invalid_delete_backups_wildcard", "DDB-FGAC-006"],
	}
}

test_evidence_names_the_actions_and_resources if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-admin-actions"))
	f.address == "aws_iam_group_policy.invalid_restore_not_resource"
	f.message == "policy statement[0] allows dynamodb:ExportTableToPointInTime, dynamodb:RestoreTableFromBackup, dynamodb:RestoreTableToPointInTime on every table"
	f.evidence == [concat("", [
		"policy statement[0]: Action dynamodb:Export*; Action dynamodb:Restore* on NotResource ",
		"[\"arn:aws:dynamodb:eu-west-1:111122223333:table/sessions\"]",
	])]
}

# AWS-managed policies that allow every DynamoDB action (PowerUserAccess...) are DDB-FGAC-003's, not
# this rule's as well; policies that cannot be read are unprovable.
test_aws_managed_policies_are_judged_on_the_attachment if {
	fixtures.findings_for(subject, "fgac-managed-policies") == {
		["aws_iam_role_policy_attachment.invalid_arn_after_apply", "DDB-FGAC-006-UNPROVABLE"],
		["aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan", "DDB-FGAC-006-UNPROVABLE"],
		["aws_iam_role_policy_attachment.invalid_unknown_aws_managed_name", "DDB-FGAC-006-UNPROVABLE"],
	}
	fixtures.findings_for(subject, "fgac-sso") == {[
		"aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan",
		"DDB-FGAC-006-UNPROVABLE",
	]}
}

test_not_action_that_spares_one_action_is_flagged if {
	fixtures.findings_for(subject, "fgac-scan-admin") == {["aws_iam_policy.invalid_not_action", "DDB-FGAC-006"]}
}

test_unreadable_policies_are_unprovable_not_passed if {
	fixtures.findings_for(subject, "fgac-leading-keys") == {["aws_iam_policy.invalid_unresolvable_json", "DDB-FGAC-006-UNPROVABLE"]}
	fixtures.findings_for(subject, "fgac-protected-attributes") == {["aws_iam_policy.invalid_unresolvable_writer", "DDB-FGAC-006-UNPROVABLE"]}
}

test_table_patterns_match_every_table_of_any_account if {
	admin_actions.any_table("*")
	admin_actions.any_table("arn:aws:dynamodb:*:*:table/*")
	admin_actions.any_table("arn:aws:dynamodb:eu-west-1:111122223333:table/*")
	admin_actions.any_table("arn:aws:dynamodb:*:*:*")
	admin_actions.any_table("arn:aws:dynamodb:eu-west-1:111122223333:table/*/backup/*")
	not admin_actions.any_table("arn:aws:dynamodb:eu-west-1:111122223333:table/sessions")
	not admin_actions.any_table("arn:aws:dynamodb:eu-west-1:111122223333:table/sessions-*")
	not admin_actions.any_table("arn:aws:dynamodb:eu-west-1:111122223333:table/*/index/*")
	not admin_actions.any_table("arn:aws:s3:::*")
}

test_compliant_stacks_pass if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
	fixtures.findings_for(subject, "model-compliant-stack") == set()
}

test_not_resource_known_only_after_apply_still_reaches_every_table if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-policy-shapes"))
	f.address == "aws_iam_policy.invalid_data_not_actions"
	f.rule == "DDB-FGAC-006"
	endswith(f.evidence[0], "NotAction [\"dynamodb:DeleteTable\"] does not exclude it on NotResource (known only after apply)")
}

test_admin_actions_through_data_source_not_actions_and_merged_documents_are_flagged if {
	fixtures.findings_for(subject, "fgac-policy-shapes") == {
		["aws_iam_policy.invalid_data_not_actions", "DDB-FGAC-006"],
		["aws_iam_policy.invalid_merged_document", "DDB-FGAC-006"],
		["aws_iam_policy.invalid_dynamic_statements", "DDB-FGAC-006-UNPROVABLE"],
		["aws_iam_policy.invalid_override_document", "DDB-FGAC-006-UNPROVABLE"],
		["aws_iam_policy.invalid_twice_merged", "DDB-FGAC-006-UNPROVABLE"],
		["aws_iam_policy.invalid_unknown_actions", "DDB-FGAC-006-UNPROVABLE"],
	}
}

# Template policies are read as Terraform's: full access is DDB-FGAC-003's, unreadable ones unprovable.
test_template_policies_are_judged_for_admin_actions if {
	fixtures.findings_for(subject, "cfn-stack-iam") == {
		["aws_cloudformation_stack.invalid_sub_resource", "DDB-FGAC-006-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_yaml_sub", "DDB-FGAC-006-UNPROVABLE"],
		["aws_cloudformation_stack.invalid_template_url", "DDB-FGAC-006-UNPROVABLE"],
	}
}

test_every_action_is_left_to_full_access if {
	fixtures.findings_for(subject, "iam-fgac-questions") == set()
}

test_an_api_gateway_role_that_administers_every_table_is_flagged if {
	fixtures.findings_for(subject, "fgac-service-roles-insecure") == {["aws_iam_role_policy.invalid_apigateway_admin", "DDB-FGAC-006"]}
	fixtures.findings_for(subject, "fgac-service-roles") == set()
}
