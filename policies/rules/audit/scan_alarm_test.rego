package ddb_guardrails.rules.audit.scan_alarm_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.audit.scan_alarm as rule

findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

evidence_on(name, address) := [f.evidence | some f in found; f.address == address] if {
	found := rule.violation with input as fixtures.plan(name)
}

test_filters_on_the_table_name_and_metric_alarms_on_operation_scan_cover_tables if {
	findings_for("audit-monitoring") == {["aws_dynamodb_table.invalid_scan_alarm_without_actions", "DDB-AUD-004"]}
}

test_an_alarm_without_actions_does_not_count_and_is_named if {
	evidence_on("audit-monitoring", "aws_dynamodb_table.invalid_scan_alarm_without_actions") == [[
		"no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table",
		"aws_cloudwatch_metric_alarm.invoices_large_scan_silent: no alarm_actions",
	]]
}

test_an_alarm_with_actions_disabled_does_not_count if {
	findings_for("audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-004"]}
}

test_dimensions_known_only_after_apply_are_unprovable if {
	findings_for("audit-monitoring-unprovable") == {["aws_dynamodb_table.unprovable_monitoring", "DDB-AUD-004-UNPROVABLE"]}
}

test_a_filter_known_only_after_apply_is_unprovable if {
	found := rule.violation with input as fixtures.plan("audit-monitoring-missing")
		with data.ddb_guardrails.lib.monitoring.unknown_filters as {"f": "f: pattern or metric_transformation is only known after apply"}
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-AUD-004-UNPROVABLE", "f: pattern or metric_transformation is only known after apply"]}
}

test_the_audit_trail_construct_covers_its_tables if {
	findings_for("model-compliant-stack") == set()
	findings_for("terraform-modules-audit-trail") == set()
}

# The filter also requires $.awsRegion of another Region: it counts no Scan of this table.
test_a_scan_filter_narrowed_by_another_field_does_not_count if {
	findings_for("audit-alerts-evasion") == {["aws_dynamodb_table.invalid_alerts_never_fire", "DDB-AUD-004"]}
}
