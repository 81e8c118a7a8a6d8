package ddb_guardrails.rules.audit.scan_alarm_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/scan_alarm"

test_filters_on_the_table_name_and_metric_alarms_on_operation_scan_cover_tables if {
	fixtures.findings_for(subject, "audit-monitoring") == {
		["aws_dynamodb_table.invalid_scan_alarm_without_actions", "DDB-AUD-004"],
		["aws_dynamodb_table.invalid_capacity_alarm_by_operation", "DDB-AUD-004"],
	}
}

# ConsumedReadCapacityUnits is not published per Operation: the alarm never has data.
test_an_alarm_on_a_metric_dynamodb_does_not_publish_does_not_count if {
	fixtures.evidence_on(subject, "audit-monitoring", "aws_dynamodb_table.invalid_capacity_alarm_by_operation") == [[
		"no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table",
		concat("", [
			"aws_cloudwatch_metric_alarm.prices_scan_capacity: ConsumedReadCapacityUnits is published with the dimensions ",
			"{GlobalSecondaryIndexName, TableName} or {TableName}; this alarm never leaves INSUFFICIENT_DATA",
		]),
	]]
	fixtures.findings_for(subject, "audit-metrics-unpublished") == {["aws_dynamodb_table.invalid_scan_alarm_unpublished", "DDB-AUD-004"]}
}

test_published_metrics_and_metric_math_on_scans_cover_the_table if {
	fixtures.findings_for(subject, "audit-metrics-published") == set()
}

test_a_filter_on_the_log_group_a_recording_trail_delivers_to_covers_the_table if {
	fixtures.findings_for(subject, "audit-scan-delivery") == set()
}

# Without the trail's delivery to its log group (the fixture before it had one), the filter counts nothing.
test_a_filter_on_a_log_group_no_trail_delivers_to_does_not_count if {
	found := fixtures.violations(subject, fixtures.plan("audit-monitoring"))
		with data.ddb_guardrails.lib.monitoring._trail_log_groups as {}
	["aws_dynamodb_table.valid_scan_filter_on_name", "DDB-AUD-004"] in fixtures.pairs(found)
}

test_filters_that_no_trail_recording_the_reads_delivers_to_never_fire if {
	fixtures.findings_for(subject, "audit-scan-delivery-missing") == {
		["aws_dynamodb_table.invalid_filter_on_undelivered_log_group", "DDB-AUD-004"],
		["aws_dynamodb_table.invalid_trail_without_logs_role", "DDB-AUD-004"],
		["aws_dynamodb_table.invalid_trail_records_no_reads", "DDB-AUD-004"],
		["aws_dynamodb_table.invalid_alarm_fires_when_scans_stop", "DDB-AUD-004"],
	}
}

test_an_undelivered_filter_is_named_in_the_evidence if {
	fixtures.evidence_on(subject, "audit-scan-delivery-missing", "aws_dynamodb_table.invalid_trail_records_no_reads") == [[
		"no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table",
		"aws_cloudwatch_log_metric_filter.scan_on_invoices: no enabled trail that records this table's read data events delivers to its log group",
	]]
}

test_a_log_group_the_plan_cannot_name_is_unprovable if {
	found := fixtures.violations(subject, fixtures.plan("audit-scan-delivery-missing"))
		with data.ddb_guardrails.lib.monitoring.unresolved_deliveries as {"t": ["t.cloud_watch_logs_group_arn: (known after apply) <- var.group"]}
	{[f.address, f.rule, f.evidence[0]] | some f in found; f.address == "aws_dynamodb_table.invalid_filter_on_undelivered_log_group"} == {[
		"aws_dynamodb_table.invalid_filter_on_undelivered_log_group",
		"DDB-AUD-004-UNPROVABLE",
		"t.cloud_watch_logs_group_arn: (known after apply) <- var.group",
	]}
}

test_an_alarm_without_actions_does_not_count_and_is_named if {
	fixtures.evidence_on(subject, "audit-monitoring", "aws_dynamodb_table.invalid_scan_alarm_without_actions") == [[
		"no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table",
		"aws_cloudwatch_metric_alarm.invoices_large_scan_silent: no alarm_actions",
	]]
}

test_an_alarm_with_actions_disabled_does_not_count if {
	fixtures.findings_for(subject, "audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-004"]}
}

test_dimensions_known_only_after_apply_are_unprovable if {
	fixtures.findings_for(subject, "audit-monitoring-unprovable") == {["aws_dynamodb_table.unprovable_monitoring", "DDB-AUD-004-UNPROVABLE"]}
}

test_a_filter_known_only_after_apply_is_unprovable if {
	found := fixtures.violations(subject, fixtures.plan("audit-monitoring-missing"))
		with data.ddb_guardrails.lib.monitoring.unknown_filters as {"f": "f: pattern or metric_transformation is only known after apply"}
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-AUD-004-UNPROVABLE", "f: pattern or metric_transformation is only known after apply"]}
}

test_the_audit_trail_construct_covers_its_tables if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "terraform-modules-audit-trail") == set()
}

# The filter also requires $.awsRegion of another Region: it counts no Scan of this table.
test_a_scan_filter_narrowed_by_another_field_does_not_count if {
	fixtures.findings_for(subject, "audit-alerts-evasion") == {["aws_dynamodb_table.invalid_alerts_never_fire", "DDB-AUD-004"]}
}

test_a_filter_whose_log_group_the_plan_cannot_name_is_unprovable if {
	found := fixtures.violations(subject, fixtures.plan("audit-scan-delivery-missing"))
		with data.ddb_guardrails.lib.monitoring.unresolved_filter_groups as {"f": ["f.log_group_name: (known after apply) <- var.group"]}
	{f.rule | some f in found} == {"DDB-AUD-004-UNPROVABLE"}
}

test_a_trail_log_group_through_a_local_is_unprovable if {
	fixtures.evidence_on(subject, "audit-scan-delivery-unprovable", "aws_dynamodb_table.unprovable_trail_log_group") == [[
		"aws_cloudtrail.orders.cloud_watch_logs_group_arn: (known after apply) <- local.trail_log_group_arn (not resolvable from the plan)",
	]]
	fixtures.findings_for(subject, "audit-scan-delivery-unprovable") == {["aws_dynamodb_table.unprovable_trail_log_group", "DDB-AUD-004-UNPROVABLE"]}
}

# A selector of the delivering trail that cannot be read may record the table's reads.
test_a_delivering_trail_whose_selectors_cannot_be_read_is_unprovable if {
	plan := fixtures.plan("audit-scan-delivery-missing")
	selectors := data.ddb_guardrails.lib.cloudtrail.selectors with input as plan
	pending := {
		"trail": "aws_cloudtrail.writes_only", "label": "advanced_event_selector", "modes": set(),
		"positive": [], "negative": [], "unprovable": {"aws_cloudtrail.writes_only advanced_event_selector: (known after apply)"},
	}
	found := fixtures.violations(subject, plan)
		with data.ddb_guardrails.lib.cloudtrail.selectors as selectors | {pending}
	{[f.rule, f.evidence[0]] | some f in found; f.address == "aws_dynamodb_table.invalid_trail_records_no_reads"} == {[
		"DDB-AUD-004-UNPROVABLE",
		"aws_cloudtrail.writes_only advanced_event_selector: (known after apply)",
	]}
	["aws_dynamodb_table.invalid_filter_on_undelivered_log_group", "DDB-AUD-004"] in fixtures.pairs(found)
}

test_a_delivering_trail_whose_logging_is_known_only_after_apply_is_unprovable if {
	found := fixtures.violations(subject, fixtures.plan("audit-scan-delivery-missing"))
		with data.ddb_guardrails.lib.cloudtrail.active as false
	evidence := [f.evidence | some f in found; f.address == "aws_dynamodb_table.valid_filter_on_delivered_log_group"]
	evidence == [["aws_cloudtrail.all_data_events: enable_logging is only known after apply"]]
}

test_a_table_of_another_account_is_not_covered_by_this_accounts_alarm if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {"account_ids": ["111122223333"]})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-004"]}
	some f in found
	"aws_cloudwatch_metric_alarm.scans[\"sessions\"] is in account 111122223333, the table in account 444455556666" in f.evidence
}

# The default provider names no account: the alarm may be in 444455556666 too. The table of its
# own provider configuration is covered all the same.
test_without_this_accounts_id_a_table_of_a_named_account_is_unprovable_for_scan_alarm if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-004-UNPROVABLE"]}
	some f in found
	f.evidence == [concat("", [
		"aws_cloudwatch_metric_alarm.scans[\"sessions\"] is in an account the plan does not name, the table in account 444455556666: ",
		"whether they are one account is only known at apply",
	])]
}
