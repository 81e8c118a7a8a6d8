package ddb_guardrails.rules.recovery.deletion_protection_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "recovery/deletion_protection"

test_tables_and_replicas_without_deletion_protection_are_flagged if {
	fixtures.findings_for(subject, "rec-pitr-deletion") == {
		["aws_dynamodb_table.invalid_no_deletion_protection", "DDB-REC-002"],
		["aws_dynamodb_table.invalid_deletion_protection_off", "DDB-REC-002"],
		["aws_dynamodb_table_replica.invalid_replica_unprotected", "DDB-REC-002"],
	}
}

test_protected_tables_and_replicas_pass if {
	not fixtures.finding_on(subject, "rec-pitr-deletion", "aws_dynamodb_table.valid_protected")
	fixtures.findings_for(subject, "enc-replica") == set()
}

test_count_instances_are_judged_one_by_one if {
	fixtures.findings_for(subject, "model-count") == {["aws_dynamodb_table.counted[1]", "DDB-REC-002"]}
}

test_an_unset_replica_setting_is_off_not_unknown if {
	found := fixtures.finding_on(subject, "rec-pitr-deletion", "aws_dynamodb_table_replica.invalid_replica_unprotected")
	found.evidence == ["deletion_protection_enabled: not set (off)"]
}

test_a_configured_value_known_only_after_apply_is_unprovable if {
	["aws_dynamodb_table.valid_protected", "DDB-REC-002-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "rec-pitr-deletion", "aws_dynamodb_table.valid_protected",
		{"after": {}, "unknown": {"deletion_protection_enabled": true}},
	)
}

test_awscc_and_template_tables_without_deletion_protection_are_flagged if {
	fixtures.findings_for(subject, "awscc-tables") == {["awscc_dynamodb_table.invalid_pitr_disabled_no_deletion_protection", "DDB-REC-002"]}
	fixtures.findings_for(subject, "cfn-stack-tables") == {
		["aws_cloudformation_stack.invalid_recovery", "DDB-REC-002"],
		["aws_cloudformation_stack.invalid_global_table_replica", "DDB-REC-002"],
		["aws_cloudformation_stack.unprovable_template_url", "DDB-REC-002-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unknown_body", "DDB-REC-002-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unreadable_template", "DDB-REC-002-UNPROVABLE"],
	}
}

test_an_awscc_setting_from_a_value_known_only_after_apply_is_unprovable if {
	plan := {
		"resource_changes": [{
			"address": "awscc_dynamodb_table.t", "mode": "managed", "type": "awscc_dynamodb_table", "name": "t",
			"change": {"actions": ["create"], "after": {}, "after_unknown": {"deletion_protection_enabled": true}},
		}],
		"configuration": {"root_module": {"resources": [{
			"address": "awscc_dynamodb_table.t", "mode": "managed", "type": "awscc_dynamodb_table", "name": "t",
			"expressions": {"deletion_protection_enabled": {"references": ["var.protect"]}},
		}]}},
	}
	found := fixtures.violations(subject, plan)
	{[f.rule, f.evidence[0]] | some f in found} == {[
		"DDB-REC-002-UNPROVABLE",
		"deletion_protection_enabled: (known after apply) <- var.protect (not resolvable from the plan)",
	]}
}
