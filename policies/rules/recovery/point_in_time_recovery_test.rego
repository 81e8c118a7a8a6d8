package ddb_guardrails.rules.recovery.point_in_time_recovery_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.recovery.point_in_time_recovery as rule

# [address, rule id] of the rule's findings on a fixture plan; undefined when the fixture is missing.
findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

# The one finding of the rule on an address of a fixture.
finding_on(name, address) := f if {
	found := rule.violation with input as fixtures.plan(name)
	some f in found
	f.address == address
}

# Findings on a fixture with some fields of one resource of the model replaced.
findings_with_resource(name, address, fields) := fixtures.pairs(found) if {
	fixture := fixtures.plan(name)
	resources := data.ddb_guardrails.lib.plan.resources with input as fixture
	patched := object.union(resources, {address: object.union(resources[address], fields)})
	found := rule.violation with input as fixture with data.ddb_guardrails.lib.plan.resources as patched
}

test_tables_and_replicas_without_pitr_are_flagged if {
	findings_for("rec-pitr-deletion") == {
		["aws_dynamodb_table.invalid_no_pitr", "DDB-REC-001"],
		["aws_dynamodb_table.invalid_pitr_disabled", "DDB-REC-001"],
		["aws_dynamodb_table.invalid_replica_block_without_pitr", "DDB-REC-001"],
		["aws_dynamodb_table_replica.invalid_replica_unprotected", "DDB-REC-001"],
		["aws_dynamodb_table.unprovable_pitr", "DDB-REC-001-UNPROVABLE"],
	}
}

test_tables_with_pitr_pass if {
	not finding_on("rec-pitr-deletion", "aws_dynamodb_table.valid_protected")
	findings_for("enc-replica") == set()
	findings_for("table-cmk-same-plan") == set()
}

test_one_bad_for_each_instance_is_flagged_alone if {
	findings_for("model-for-each") == {["aws_dynamodb_table.fleet[\"invalid_no_pitr\"]", "DDB-REC-001"]}
}

test_the_evidence_names_the_setting if {
	finding_on("rec-pitr-deletion", "aws_dynamodb_table.invalid_pitr_disabled").evidence == ["point_in_time_recovery[0].enabled = false"]
	finding_on("rec-pitr-deletion", "aws_dynamodb_table.unprovable_pitr").evidence == [
		"point_in_time_recovery[0].enabled: (known after apply) <- aws_kms_key.tables (created in this plan)",
	]
}

test_a_block_only_known_after_apply_is_unprovable if {
	["aws_dynamodb_table.valid_protected", "DDB-REC-001-UNPROVABLE"] in findings_with_resource(
		"rec-pitr-deletion", "aws_dynamodb_table.valid_protected",
		{"after": {}, "unknown": {"point_in_time_recovery": true}},
	)
}

test_awscc_tables_and_replicas_without_pitr_are_flagged if {
	findings_for("awscc-tables") == {
		["awscc_dynamodb_table.invalid_no_pitr", "DDB-REC-001"],
		["awscc_dynamodb_table.invalid_pitr_disabled_no_deletion_protection", "DDB-REC-001"],
		["awscc_dynamodb_global_table.invalid_global_replica_aws_managed_key", "DDB-REC-001"],
		["awscc_dynamodb_global_table.unprovable_global_replica_unset", "DDB-REC-001-UNPROVABLE"],
	}
	finding_on("awscc-tables", "awscc_dynamodb_table.invalid_no_pitr").evidence == [
		"point_in_time_recovery_specification.point_in_time_recovery_enabled: not set (off)",
	]
}

test_template_tables_and_replicas_without_pitr_are_flagged if {
	findings_for("cfn-stack-tables") == {
		["aws_cloudformation_stack.invalid_recovery", "DDB-REC-001"],
		["aws_cloudformation_stack.invalid_global_table_replica", "DDB-REC-001"],
		["aws_cloudformation_stack.unprovable_intrinsics", "DDB-REC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_template_url", "DDB-REC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unknown_body", "DDB-REC-001-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unreadable_template", "DDB-REC-001-UNPROVABLE"],
	}
	finding_on("cfn-stack-tables", "aws_cloudformation_stack.invalid_global_table_replica").evidence == [
		"Resources.Global.Properties.Replicas[Region = us-east-1].PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: not set (off)",
	]
}
