package ddb_guardrails.rules.audit.exports_watched_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.audit.exports_watched as rule

findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

test_a_targeted_rule_on_exports_covers_every_table if {
	findings_for("audit-monitoring") == set()
}

test_disabled_and_untargeted_rules_do_not_count if {
	findings_for("audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-006"]}
}

test_a_pattern_known_only_after_apply_is_unprovable if {
	findings_for("audit-monitoring-unprovable") == {["aws_dynamodb_table.unprovable_monitoring", "DDB-AUD-006-UNPROVABLE"]}
}

test_an_alarmed_filter_on_export_calls_covers_every_table if {
	found := rule.violation with input as fixtures.plan("audit-monitoring-missing")
		with data.ddb_guardrails.lib.monitoring.alarmed_filters as {"f": {"names": {"ExportTableToPointInTime"}, "tables": set()}}
	count(found) == 0
}

test_a_pattern_narrowed_to_some_tables_does_not_cover_every_table if {
	pattern := {"source": ["aws.dynamodb"], "detail": {"eventName": ["ExportTableToPointInTime"], "requestParameters": {"tableArn": ["x"]}}}
	found := rule.violation with input as fixtures.plan("audit-monitoring-missing")
		with data.ddb_guardrails.lib.monitoring.routed_rules as {"r": pattern}
	count(found) == 1
}

test_a_rule_on_a_custom_event_bus_does_not_count if {
	findings_for("audit-alerts-evasion") == {["aws_dynamodb_table.invalid_alerts_never_fire", "DDB-AUD-006"]}
}

test_content_filters_that_match_exports_count if {
	findings_for("audit-eventbridge-filters") == set()
	findings_for("audit-eventbridge-any-call") == set()
	findings_for("audit-eventbridge-filters-missing") == set()
}
