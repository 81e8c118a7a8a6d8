package ddb_guardrails.rules.audit.exports_watched_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/exports_watched"

test_a_targeted_rule_on_exports_covers_every_table if {
	fixtures.findings_for(subject, "audit-monitoring") == set()
}

test_disabled_and_untargeted_rules_do_not_count if {
	fixtures.findings_for(subject, "audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-006"]}
}

test_a_pattern_known_only_after_apply_is_unprovable if {
	fixtures.findings_for(subject, "audit-monitoring-unprovable") == {["aws_dynamodb_table.unprovable_monitoring", "DDB-AUD-006-UNPROVABLE"]}
}

# Class 7 of issue #23: an export filter counts only on a log group that a trail recording write
# management events delivers to, with the role CloudTrail writes with.
test_an_alarmed_filter_on_a_delivered_log_group_covers_every_table if {
	fixtures.findings_for(subject, "audit-export-delivery") == set()
}

test_alarmed_filters_on_log_groups_no_trail_delivers_management_writes_to_do_not_count if {
	found := fixtures.violations(subject, fixtures.plan("audit-export-delivery-missing"))
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_export_filters_undelivered", "DDB-AUD-006"]}
	undelivered := "no enabled trail that records this table's write management events delivers to its log group"
	some f in found
	f.evidence == array.concat(
		["no enabled, targeted EventBridge rule, and no alarmed log metric filter on a log group a trail delivers to, matches ExportTableToPointInTime"],
		[sprintf("aws_cloudwatch_log_metric_filter.exports[%q]: %s", [group, undelivered]) | some group in ["data", "exports", "no-role", "reads"]],
	)
}

test_a_pattern_narrowed_to_some_tables_does_not_cover_every_table if {
	pattern := {"source": ["aws.dynamodb"], "detail": {"eventName": ["ExportTableToPointInTime"], "requestParameters": {"tableArn": ["x"]}}}
	found := fixtures.violations(subject, fixtures.plan("audit-monitoring-missing"))
		with data.ddb_guardrails.lib.monitoring._routed_rules as {"r": pattern}
	count(found) == 1
}

test_a_rule_on_a_custom_event_bus_does_not_count if {
	fixtures.findings_for(subject, "audit-alerts-evasion") == {["aws_dynamodb_table.invalid_alerts_never_fire", "DDB-AUD-006"]}
}

test_content_filters_that_match_exports_count if {
	fixtures.findings_for(subject, "audit-eventbridge-filters") == set()
	fixtures.findings_for(subject, "audit-eventbridge-any-call") == set()
	fixtures.findings_for(subject, "audit-eventbridge-filters-missing") == set()
}

test_a_table_of_another_account_is_not_covered_by_this_accounts_eventbridge_rule if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {"account_ids": ["111122223333"]})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-006"]}
	some f in found
	"aws_cloudwatch_event_rule.changes is in account 111122223333, the table in account 444455556666" in f.evidence
}

# The default provider names no account: the EventBridge rule may be in 444455556666 too. The table of its
# own provider configuration is covered all the same.
test_without_this_accounts_id_a_table_of_a_named_account_is_unprovable_for_exports_watched if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-006-UNPROVABLE"]}
	some f in found
	f.evidence == [concat("", [
		"aws_cloudwatch_event_rule.changes is in an account the plan does not name, the table in account 444455556666: ",
		"whether they are one account is only known at apply",
	])]
}
