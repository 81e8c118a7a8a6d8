package ddb_guardrails.rules.recovery.protection_turned_off_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.recovery.protection_turned_off as rule

findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

finding_on(name, address) := f if {
	found := rule.violation with input as fixtures.plan(name)
	some f in found
	f.address == address
}

# Findings on a fixture with one change of the model replaced or added.
findings_with_change(name, address, change) := fixtures.pairs(found) if {
	fixture := fixtures.plan(name)
	existing := data.ddb_guardrails.lib.changes.existing with input as fixture
	patched := object.union(existing, {address: change})
	found := rule.violation with input as fixture with data.ddb_guardrails.lib.changes.existing as patched
}

test_turning_pitr_or_deletion_protection_off_on_an_existing_table_is_flagged if {
	findings_for("change-regressions") == {
		["aws_dynamodb_table.invalid_pitr_turned_off", "DDB-REC-003"],
		["aws_dynamodb_table.invalid_deletion_protection_turned_off", "DDB-REC-003"],
	}
}

test_the_evidence_names_the_setting_before_and_after if {
	finding_on("change-regressions", "aws_dynamodb_table.invalid_pitr_turned_off").evidence == ["point_in_time_recovery[0].enabled: true -> false"]
	finding_on("change-regressions", "aws_dynamodb_table.invalid_deletion_protection_turned_off").evidence == ["deletion_protection_enabled: true -> false"]
}

test_protection_turned_on_or_kept_passes if {
	not finding_on("change-regressions", "aws_dynamodb_table.valid_protection_added")
	not finding_on("change-regressions", "aws_dynamodb_table.valid_unchanged")
	findings_for("change-unchanged") == set()
}

test_a_plan_that_only_deletes_turns_no_setting_off if {
	findings_for("change-destroy") == set()
}

test_plans_that_only_create_have_nothing_to_compare if {
	findings_for("rec-pitr-deletion") == set()
}

test_a_setting_on_today_and_known_only_after_apply_is_unprovable if {
	address := "aws_dynamodb_table.invalid_pitr_turned_off"
	existing := data.ddb_guardrails.lib.changes.existing with input as fixtures.plan("change-regressions")
	found := findings_with_change(
		"change-regressions", address,
		object.union(existing[address], {"unknown": {"point_in_time_recovery": true}}),
	)
	not [address, "DDB-REC-003"] in found
	[address, "DDB-REC-003-UNPROVABLE"] in found
	deletion_protection := findings_with_change(
		"change-regressions", address,
		object.union(existing[address], {"unknown": {"deletion_protection_enabled": true}}),
	)
	[address, "DDB-REC-003-UNPROVABLE"] in deletion_protection
}

test_a_table_replica_that_loses_pitr_is_flagged if {
	findings_with_change("change-unchanged", "aws_dynamodb_table_replica.invalid_pitr_turned_off", {
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
