package ddb_guardrails.rules.audit.published_metric_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/published_metric"

test_alarms_on_published_metrics_and_dimension_sets_pass if {
	fixtures.findings_for(subject, "audit-metrics-published") == set()
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "terraform-modules-audit-trail") == set()
}

test_alarms_on_unpublished_names_or_dimension_sets_are_flagged if {
	fixtures.findings_for(subject, "audit-metrics-unpublished") == {
		["aws_cloudwatch_metric_alarm.carts_scan_capacity", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.orders_returned_items", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.orders_user_errors", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.orders_items_typo", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.orders_throttled", "DDB-AUD-010"],
	}
	fixtures.findings_for(subject, "audit-monitoring") == {["aws_cloudwatch_metric_alarm.prices_scan_capacity", "DDB-AUD-010"]}
}

test_the_evidence_names_the_published_dimensions if {
	fixtures.evidence_on(subject, "audit-metrics-unpublished", "aws_cloudwatch_metric_alarm.orders_user_errors") == [[
		"aws_cloudwatch_metric_alarm.orders_user_errors: UserErrors is published with the dimensions (none), not with {TableName}",
	]]
	fixtures.evidence_on(subject, "audit-metrics-unpublished", "aws_cloudwatch_metric_alarm.orders_items_typo") == [[
		"aws_cloudwatch_metric_alarm.orders_items_typo: DynamoDB publishes no metric ReturnedItemsCount, not with {Operation, TableName}",
	]]
}

test_a_metric_math_alarm_is_judged_on_each_of_its_metrics if {
	fixtures.evidence_on(subject, "audit-metrics-unpublished", "aws_cloudwatch_metric_alarm.orders_throttled") == [[concat("", [
		`aws_cloudwatch_metric_alarm.orders_throttled metric_query "throttled": ThrottledRequests is published with the dimensions `,
		"{Operation, OperationType, TableName} or {Operation, TableName, Verb} or {Operation, TableName}, not with {TableName}",
	])]]
}

test_dimensions_known_only_after_apply_are_unprovable if {
	fixtures.findings_for(subject, "audit-monitoring-unprovable") == {["aws_cloudwatch_metric_alarm.scan_by_computed_name", "DDB-AUD-010-UNPROVABLE"]}
}

# PartiQL requests are published per Operation with one more dimension: Verb for ExecuteStatement,
# OperationType for ExecuteTransaction and BatchExecuteStatement; with any other Operation, or
# without one, that dimension names no metric.
test_partiql_dimensions_count_only_with_the_operations_that_emit_them if {
	fixtures.findings_for(subject, "audit-metrics-partiql") == {
		["aws_cloudwatch_metric_alarm.this[\"invalid_type_on_query\"]", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.this[\"invalid_verb_alone\"]", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.this[\"invalid_verb_on_capacity\"]", "DDB-AUD-010"],
		["aws_cloudwatch_metric_alarm.this[\"invalid_verb_on_scan\"]", "DDB-AUD-010"],
	}
}

test_a_verb_on_another_operation_names_the_operation_it_needs if {
	fixtures.evidence_on(subject, "audit-metrics-partiql", "aws_cloudwatch_metric_alarm.this[\"invalid_verb_on_scan\"]") == [[
		"aws_cloudwatch_metric_alarm.this[\"invalid_verb_on_scan\"]: Verb is emitted only with Operation ExecuteStatement, not Scan",
	]]
}
