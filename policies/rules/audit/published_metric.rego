# METADATA
# title: Alarms on DynamoDB metrics watch a metric DynamoDB publishes
# description: >-
#   DynamoDB publishes each CloudWatch metric only with its documented dimension sets:
#   ConsumedReadCapacityUnits with {TableName} or {TableName, GlobalSecondaryIndexName},
#   ReturnedItemCount with {TableName, Operation} (and for PartiQL requests Verb with Operation =
#   ExecuteStatement, OperationType with ExecuteTransaction or BatchExecuteStatement), UserErrors
#   with none (account level), and so on. CloudWatch
#   matches dimensions exactly, so an alarm on another name or dimension-name set (such as
#   ConsumedReadCapacityUnits with Operation = Scan) gets no data point, stays INSUFFICIENT_DATA and
#   never alerts, while looking like monitoring. Every aws_cloudwatch_metric_alarm in the
#   AWS/DynamoDB namespace is judged, on its own metric and on each metric of its metric_query, with
#   or without alarm actions, against the published metrics of the DynamoDB metrics and dimensions
#   documentation (policies/data/dynamodb_metrics.rego, which records the page). Such an alarm counts
#   for no audit rule (DDB-AUD-004). The violation is reported on the alarm. When an alarm's
#   dimensions are only known after apply (Terraform then hides their names too), the alarm gets
#   DDB-AUD-010-UNPROVABLE.
# custom:
#   id: DDB-AUD-010
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     Use a metric with the dimensions DynamoDB publishes it with (the evidence lists them): for
#     Scans of a table, ReturnedItemCount with { TableName, Operation = "Scan" }; for consumed
#     capacity, ConsumedReadCapacityUnits with { TableName } only.
#   concept: Logging and auditing
#   example: |
#     resource "aws_cloudwatch_metric_alarm" "sessions_read_capacity" {
#       alarm_name          = "sessions-read-capacity"
#       namespace           = "AWS/DynamoDB"
#       metric_name         = "ConsumedReadCapacityUnits"
#       dimensions          = { TableName = aws_dynamodb_table.sessions.name }
#       statistic           = "Sum"
#       period              = 60
#       evaluation_periods  = 5
#       threshold           = 6000
#       comparison_operator = "GreaterThanThreshold"
#       alarm_actions       = [aws_sns_topic.alerts.arn]
#     }
package ddb_guardrails.rules.audit.published_metric

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring

violation contains finding if {
	some address, metrics in monitoring.alarm_metrics
	unpublished := {sprintf("%s: %s", [metric.label, monitoring.why_unpublished(metric)]) |
		some metric in metrics
		monitoring.unpublished(metric)
	}
	count(unpublished) > 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"this alarm watches a DynamoDB metric that is not published with these dimensions: it never leaves INSUFFICIENT_DATA",
		sort(unpublished),
	)
}

violation contains finding if {
	some address, metrics in monitoring.alarm_metrics
	not unpublished_metric(metrics)
	pending := {sprintf("%s: dimensions (known after apply)", [metric.label]) |
		some metric in metrics
		metric.namespace == "AWS/DynamoDB"
		metric.dimensions == null
	}
	count(pending) > 0
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether DynamoDB publishes the metric this alarm watches is only known after apply",
		sort(pending),
	)
}

unpublished_metric(metrics) if {
	some metric in metrics
	monitoring.unpublished(metric)
}
