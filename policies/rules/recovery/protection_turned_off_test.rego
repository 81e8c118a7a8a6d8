package ddb_guardrails.rules.recovery.protection_turned_off_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "recovery/protection_turned_off"

test_turning_pitr_or_deletion_protection_off_on_an_existing_table_is_flagged if {
	fixtures.findings_for(subject, "change-regressions") == {
		["aws_dynamodb_table.invalid_pitr_turned_off", "DDB-REC-003"],
		["aws_dynamodb_table.invalid_deletion_protection_turned_off", "DDB-REC-003"],
	}
}

test_the_evidence_names_the_setting_before_and_after if {
	pitr := fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_pitr_turned_off")
	pitr.evidence == ["point_in_time_recovery[0].enabled: true -> false"]
	protection := fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_deletion_protection_turned_off")
	protection.evidence == ["deletion_protection_enabled: true -> false"]
}

test_protection_turned_on_or_kept_passes if {
	not fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.valid_protection_added")
	not fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.valid_unchanged")
	fixtures.findings_for(subject, "change-unchanged") == set()
}

test_a_plan_that_only_deletes_turns_no_setting_off if {
	fixtures.findings_for(subject, "change-destroy") == set()
}

test_plans_that_only_create_have_nothing_to_compare if {
	fixtures.findings_for(subject, "rec-pitr-deletion") == set()
}

test_a_setting_on_today_and_known_only_after_apply_is_unprovable if {
	address := "aws_dynamodb_table.invalid_pitr_turned_off"
	existing := data.ddb_guardrails.lib.plan.changes._existing with input as fixtures.plan("change-regressions")
	found := fixtures.findings_with_change(
		subject, "change-regressions", address,
		object.union(existing[address], {"unknown": {"point_in_time_recovery": true}}),
	)
	not [address, "DDB-REC-003"] in found
	[address, "DDB-REC-003-UNPROVABLE"] in found
	deletion_protection := fixtures.findings_with_change(
		subject, "change-regressions", address,
		object.union(existing[address], {"unknown": {"deletion_protection_enabled": true}}),
	)
	[address, "DDB-REC-003-UNPROVABLE"] in deletion_protection
}

test_a_table_replica_that_loses_pitr_is_flagged if {
	fixtures.findings_with_change(subject, "change-unchanged", "aws_dynamodb_table_replica.invalid_pitr_turned_off", {
		"address": "aws_dynamodb_table_replica.invalid_pitr_turned_off",
		"type": "aws_dynamodb_table_replica",
		"actions": ["update"],
		"before": {"point_in_time_recovery": true, "deletion_protection_enabled": false},
		"after": {"point_in_time_recovery": false, "deletion_protection_enabled": false},
		"unknown": {},
		"deleted": false,
		"replaced": false,
	}) == {["aws_dynamodb_table_replica.invalid_pitr_turned_off", "DDB-REC-003"]}
}
