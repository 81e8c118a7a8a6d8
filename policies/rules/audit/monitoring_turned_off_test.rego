package ddb_guardrails.rules.audit.monitoring_turned_off_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/monitoring_turned_off"

# Contributor Insights cannot be applied to the local emulator: the deletion is a change of the model.
contributor_insights_deleted(table_name) := {
	"address": "aws_dynamodb_contributor_insights.invalid_deleted",
	"type": "aws_dynamodb_contributor_insights",
	"actions": ["delete"],
	"before": {"table_name": table_name},
	"after": {},
	"unknown": {},
	"deleted": true,
	"replaced": false,
}

test_a_stream_or_session_ttl_turned_off_is_flagged if {
	fixtures.findings_for(subject, "change-regressions") == {
		["aws_dynamodb_table.invalid_session_ttl_removed", "DDB-AUD-009"],
		["aws_dynamodb_table.invalid_stream_turned_off", "DDB-AUD-009"],
	}
}

test_the_evidence_names_the_setting_before_and_after if {
	fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_stream_turned_off").evidence == ["stream_enabled: true -> null"]
	fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_session_ttl_removed").evidence == [
		"tags[\"ddb-guardrails:data-class\"] = \"session\"",
		"ttl[0].enabled: true -> false",
	]
}

test_unchanged_and_deleted_tables_pass if {
	not fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.valid_unchanged")
	fixtures.findings_for(subject, "change-unchanged") == set()
	fixtures.findings_for(subject, "change-destroy") == set()
}

test_a_stream_or_session_ttl_known_only_after_apply_is_unprovable if {
	existing := data.ddb_guardrails.lib.plan.changes._existing with input as fixtures.plan("change-regressions")
	stream := "aws_dynamodb_table.invalid_stream_turned_off"
	["aws_dynamodb_table.invalid_stream_turned_off", "DDB-AUD-009-UNPROVABLE"] in fixtures.findings_with_change(
		subject, "change-regressions", stream,
		object.union(existing[stream], {"unknown": {"stream_enabled": true}}),
	)
	ttl := "aws_dynamodb_table.invalid_session_ttl_removed"
	found := fixtures.findings_with_change(subject, "change-regressions", ttl, object.union(existing[ttl], {"unknown": {"ttl": true}}))
	[ttl, "DDB-AUD-009-UNPROVABLE"] in found
	not [ttl, "DDB-AUD-009"] in found
}

test_contributor_insights_deleted_for_a_table_that_stays_is_flagged if {
	fixtures.findings_with_change(
		subject, "change-regressions", "aws_dynamodb_contributor_insights.invalid_deleted",
		contributor_insights_deleted("unchanged"),
	) == {
		["aws_dynamodb_table.invalid_session_ttl_removed", "DDB-AUD-009"],
		["aws_dynamodb_table.invalid_stream_turned_off", "DDB-AUD-009"],
		["aws_dynamodb_contributor_insights.invalid_deleted", "DDB-AUD-009"],
	}
}

test_contributor_insights_deleted_with_its_table_is_the_tables_finding if {
	not ["aws_dynamodb_contributor_insights.invalid_deleted", "DDB-AUD-009"] in fixtures.findings_with_change(
		subject, "change-regressions", "aws_dynamodb_contributor_insights.invalid_deleted",
		contributor_insights_deleted("deleted"),
	)
}
