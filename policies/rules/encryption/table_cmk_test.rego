package ddb_guardrails.rules.encryption.table_cmk_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/table_cmk"

test_table_without_encryption_block_is_flagged_as_aws_owned if {
	fixtures.findings_for(subject, "table-unencrypted") == {["aws_dynamodb_table.invalid_aws_owned_key", "DDB-ENC-001"]}
}

test_table_with_aws_managed_key_is_flagged if {
	fixtures.findings_for(subject, "table-aws-managed-key") == {
		["aws_dynamodb_table.invalid_no_key_arn", "DDB-ENC-001"],
		["aws_dynamodb_table.invalid_aws_managed_alias", "DDB-ENC-001"],
	}
}

test_key_created_in_same_plan_and_literal_key_pass if {
	fixtures.findings_for(subject, "table-cmk-same-plan") == set()
}

test_finding_carries_evidence if {
	some f in fixtures.violations(subject, fixtures.plan("table-aws-managed-key"))
	f.address == "aws_dynamodb_table.invalid_aws_managed_alias"
	f.evidence == ["server_side_encryption[0].kms_key_arn = \"arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb\""]
}

test_disabled_encryption_and_a_key_through_a_local_are_reported if {
	fixtures.findings_for(subject, "enc-table-keys") == {
		["aws_dynamodb_table.invalid_sse_disabled", "DDB-ENC-001"],
		["aws_dynamodb_table.unprovable_key_through_local", "DDB-ENC-001-UNPROVABLE"],
	}
}

test_the_unprovable_finding_names_the_reference_it_could_not_follow if {
	some f in fixtures.violations(subject, fixtures.plan("enc-table-keys"))
	f.address == "aws_dynamodb_table.unprovable_key_through_local"
	f.evidence == ["server_side_encryption[0].kms_key_arn <- local.key_arn (not resolvable from the plan)"]
}

test_keys_passed_into_modules_and_for_each_instances_are_followed if {
	fixtures.findings_for(subject, "model-child-module") == {["module.invalid_store_aws_managed_key.aws_dynamodb_table.this", "DDB-ENC-001"]}
	fixtures.findings_for(subject, "model-for-each") == {["module.regional[\"invalid_aws_managed_key\"].aws_dynamodb_table.this", "DDB-ENC-001"]}
	fixtures.findings_for(subject, "model-count") == set()
}

test_a_literal_key_outside_allowed_key_arns_is_flagged_and_one_inside_passes if {
	fixture := fixtures.plan("table-cmk-same-plan")
	outside := fixtures.violations(subject, fixture)
		with data.ddb_guardrails_config.parameters as {"allowed_key_arns": ["arn:aws:kms:eu-west-1:111122223333:key/other"]}
	{[f.address, f.rule] | some f in outside} == {["aws_dynamodb_table.valid_literal_key", "DDB-ENC-001"]}
	inside := fixtures.violations(subject, fixture)
		with data.ddb_guardrails_config.parameters as {"allowed_key_arns": ["arn:aws:kms:eu-west-1:111122223333:key/*"]}
	inside == set()
}

test_an_encryption_block_known_only_after_apply_is_unprovable if {
	fixture := fixtures.plan("table-cmk-same-plan")
	resources := data.ddb_guardrails.lib.plan.resources with input as fixture
	table := resources["aws_dynamodb_table.valid_key_in_plan"]
	unknown_block := {"after": {"server_side_encryption": null}, "unknown": {"server_side_encryption": true}}
	patched := object.union(resources, {table.address: object.union(table, unknown_block)})
	found := fixtures.violations(subject, fixture) with data.ddb_guardrails.lib.plan.resources as patched
	fixtures.pairs(found) == {["aws_dynamodb_table.valid_key_in_plan", "DDB-ENC-001-UNPROVABLE"]}
}

test_awscc_tables_without_a_customer_managed_key_are_flagged if {
	fixtures.findings_for(subject, "awscc-tables") == {
		["awscc_dynamodb_table.invalid_no_sse", "DDB-ENC-001"],
		["awscc_dynamodb_table.invalid_sse_disabled", "DDB-ENC-001"],
		["awscc_dynamodb_table.invalid_aws_managed_key", "DDB-ENC-001"],
		["awscc_dynamodb_table.unprovable_key_from_local", "DDB-ENC-001-UNPROVABLE"],
	}
}

test_template_tables_without_a_customer_managed_key_are_flagged_per_table if {
	fixtures.findings_for(subject, "cfn-stack-tables") == {
		["aws_cloudformation_stack.invalid_owned_key", "DDB-ENC-001"],
		["aws_cloudformation_stack.invalid_aws_managed_key", "DDB-ENC-001"],
		["aws_cloudformation_stack.unprovable_intrinsics", "DDB-ENC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_template_url", "DDB-ENC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unknown_body", "DDB-ENC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unreadable_template", "DDB-ENC-001-UNPROVABLE"],
	}
	messages := {f.message |
		some f in fixtures.violations(subject, fixtures.plan("cfn-stack-tables"))
		f.address == "aws_cloudformation_stack.invalid_owned_key"
	}
	messages == {
		"Resources.NoSse (AWS::DynamoDB::Table): table is encrypted with an AWS-owned key (server-side encryption with KMS is not enabled)",
		"Resources.SseDisabled (AWS::DynamoDB::Table): table is encrypted with an AWS-owned key (server-side encryption with KMS is not enabled)",
	}
}

test_a_template_key_of_the_stack_or_a_literal_parameter_passes if {
	found := {f.address | some f in fixtures.violations(subject, fixtures.plan("cfn-stack-tables"))}
	not "aws_cloudformation_stack.valid_json_template_key" in found
	not "aws_cloudformation_stack.valid_yaml_template" in found
	not "aws_cloudformation_stack.valid_key_parameter" in found
}
