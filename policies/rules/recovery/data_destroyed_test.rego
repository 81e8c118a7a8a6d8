package ddb_guardrails.rules.recovery.data_destroyed_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "recovery/data_destroyed"

test_tables_keys_and_archives_deleted_or_replaced_are_flagged if {
	fixtures.findings_for(subject, "change-regressions") == {
		["aws_dynamodb_table.invalid_deleted", "DDB-REC-004"],
		["aws_dynamodb_table.invalid_replaced", "DDB-REC-004"],
		["aws_dynamodb_table.invalid_replaced_create_first", "DDB-REC-004"],
		["aws_kms_key.invalid_deleted", "DDB-REC-004"],
		["aws_s3_bucket.invalid_archive_deleted", "DDB-REC-004"],
	}
}

test_the_evidence_names_the_actions if {
	fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_deleted").evidence == ["actions = [\"delete\"]", "name = deleted"]
	fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_replaced").evidence == ["actions = [\"delete\",\"create\"]", "name = replaced"]
	fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_replaced_create_first").evidence == [
		"actions = [\"create\",\"delete\"]",
		"name = replaced-create-first",
	]
	fixtures.finding_on(subject, "change-regressions", "aws_s3_bucket.invalid_archive_deleted").evidence == [
		"actions = [\"delete\"]",
		"tags[\"ddb-guardrails:role\"] = \"stream-archive\"",
	]
}

test_a_deleted_key_names_the_tables_that_use_it if {
	evidence := fixtures.finding_on(subject, "change-regressions", "aws_kms_key.invalid_deleted").evidence
	evidence[0] == "actions = [\"delete\"]"
	endswith(evidence[1], " is the kms_key_arn of aws_dynamodb_table.invalid_deleted")
}

test_keys_and_buckets_no_table_depends_on_may_go if {
	not fixtures.finding_on(subject, "change-regressions", "aws_kms_key.valid_unrelated_deleted")
	not fixtures.finding_on(subject, "change-regressions", "aws_s3_bucket.valid_scratch_deleted")
}

test_a_plan_that_only_deletes_is_judged_on_what_it_deletes if {
	fixtures.findings_for(subject, "change-destroy") == {
		["aws_dynamodb_table.invalid_deleted", "DDB-REC-004"],
		["aws_kms_key.invalid_deleted_table_key", "DDB-REC-004"],
		["aws_s3_bucket.invalid_archive_deleted", "DDB-REC-004"],
	}
}

test_a_plan_without_changes_to_what_exists_passes if {
	fixtures.findings_for(subject, "change-unchanged") == set()
	fixtures.findings_for(subject, "rec-pitr-deletion") == set()
}

test_an_awscc_table_deleted_is_flagged_by_its_table_name if {
	fixture := fixtures.plan("change-unchanged")
	found := fixtures.violations(subject, fixture) with data.ddb_guardrails.lib.plan.changes._existing as {"awscc_dynamodb_table.invalid_deleted": {
		"address": "awscc_dynamodb_table.invalid_deleted",
		"type": "awscc_dynamodb_table",
		"actions": ["delete"],
		"before": {"table_name": "orders"},
		"after": {},
		"unknown": {},
		"deleted": true,
		"replaced": false,
	}}
	[f.evidence | some f in found] == [["actions = [\"delete\"]", "table_name = orders"]]
}
