package ddb_guardrails.rules.recovery.point_in_time_recovery_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "recovery/point_in_time_recovery"

test_tables_and_replicas_without_pitr_are_flagged if {
	fixtures.findings_for(subject, "rec-pitr-deletion") == {
		["aws_dynamodb_table.invalid_no_pitr", "DDB-REC-001"],
		["aws_dynamodb_table.invalid_pitr_disabled", "DDB-REC-001"],
		["aws_dynamodb_table.invalid_replica_block_without_pitr", "DDB-REC-001"],
		["aws_dynamodb_table_replica.invalid_replica_unprotected", "DDB-REC-001"],
		["aws_dynamodb_table.unprovable_pitr", "DDB-REC-001-UNPROVABLE"],
	}
}

test_tables_with_pitr_pass if {
	not fixtures.finding_on(subject, "rec-pitr-deletion", "aws_dynamodb_table.valid_protected")
	fixtures.findings_for(subject, "enc-replica") == set()
	fixtures.findings_for(subject, "table-cmk-same-plan") == set()
}

test_one_bad_for_each_instance_is_flagged_alone if {
	fixtures.findings_for(subject, "model-for-each") == {["aws_dynamodb_table.fleet[\"invalid_no_pitr\"]", "DDB-REC-001"]}
}

test_the_evidence_names_the_setting if {
	fixtures.finding_on(subject, "rec-pitr-deletion", "aws_dynamodb_table.invalid_pitr_disabled").evidence == ["point_in_time_recovery[0].enabled = false"]
	fixtures.finding_on(subject, "rec-pitr-deletion", "aws_dynamodb_table.unprovable_pitr").evidence == [
		"point_in_time_recovery[0].enabled: (known after apply) <- aws_kms_key.tables (created in this plan)",
	]
}

test_a_block_only_known_after_apply_is_unprovable if {
	["aws_dynamodb_table.valid_protected", "DDB-REC-001-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "rec-pitr-deletion", "aws_dynamodb_table.valid_protected",
		{"after": {}, "unknown": {"point_in_time_recovery": true}},
	)
}

test_awscc_tables_and_replicas_without_pitr_are_flagged if {
	fixtures.findings_for(subject, "awscc-tables") == {
		["awscc_dynamodb_table.invalid_no_pitr", "DDB-REC-001"],
		["awscc_dynamodb_table.invalid_pitr_disabled_no_deletion_protection", "DDB-REC-001"],
		["awscc_dynamodb_global_table.invalid_global_replica_aws_managed_key", "DDB-REC-001"],
		["awscc_dynamodb_global_table.unprovable_global_replica_unset", "DDB-REC-001-UNPROVABLE"],
	}
	fixtures.finding_on(subject, "awscc-tables", "awscc_dynamodb_table.invalid_no_pitr").evidence == [
		"point_in_time_recovery_specification.point_in_time_recovery_enabled: not set (off)",
	]
}

test_template_tables_and_replicas_without_pitr_are_flagged if {
	fixtures.findings_for(subject, "cfn-stack-tables") == {
		["aws_cloudformation_stack.invalid_recovery", "DDB-REC-001"],
		["aws_cloudformation_stack.invalid_global_table_replica", "DDB-REC-001"],
		["aws_cloudformation_stack.unprovable_intrinsics", "DDB-REC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_template_url", "DDB-REC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unknown_body", "DDB-REC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unreadable_template", "DDB-REC-001-UNPROVABLE"],
	}
	fixtures.finding_on(subject, "cfn-stack-tables", "aws_cloudformation_stack.invalid_global_table_replica").evidence == [
		"Resources.Global.Properties.Replicas[Region = us-east-1].PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: not set (off)",
	]
}

# A replica's point-in-time recovery known only after apply may be off: unprovable, never passed.
test_replica_recovery_known_only_after_apply_is_unprovable if {
	fixtures.findings_for(subject, "rec-after-apply") == {
		["aws_dynamodb_table.invalid_replica_pitr_after_apply", "DDB-REC-001-UNPROVABLE"],
		["aws_dynamodb_table_replica.invalid_pitr_after_apply", "DDB-REC-001-UNPROVABLE"],
	}
	fixtures.evidence_on(subject, "rec-after-apply", "aws_dynamodb_table.invalid_replica_pitr_after_apply") == [[
		"replica[region_name = us-east-1].point_in_time_recovery: (known after apply) <- terraform_data.pitr_flag (created in this plan)",
	]]
}
