# METADATA
# title: Table exports to S3 raise an alert
# description: >-
#   ExportTableToPointInTime copies a whole table to S3, where the table's IAM conditions and key
#   policy no longer apply: the reference lists table exports among what must always be monitored.
#   Tables are covered when an enabled aws_cloudwatch_event_rule with an aws_cloudwatch_event_target
#   (on the default event bus: AWS services send their events to no other bus) matches the
#   CloudTrail-recorded DynamoDB call ExportTableToPointInTime (source aws.dynamodb, detail-type
#   "AWS API Call via CloudTrail", detail.eventName matching it, or any of these fields left out;
#   content filters match as EventBridge matches them, as for DDB-AUD-005), or when a log metric
#   filter selecting $.eventName = "ExportTableToPointInTime" (for every table) feeds an
#   aws_cloudwatch_metric_alarm with alarm_actions. The violation is reported on each table (every
#   table counts as holding data). When an event pattern or a filter is only known after apply and
#   nothing known covers exports, tables get DDB-AUD-006-UNPROVABLE.
# custom:
#   id: DDB-AUD-006
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     List ExportTableToPointInTime in the eventName of an EventBridge rule on aws.dynamodb API
#     calls with a target (the AuditTrail construct's rule does), or alarm on a log metric filter
#     for it.
#   concept: Logging and auditing
#   example: |
#     resource "aws_cloudwatch_event_rule" "dynamodb_exports" {
#       name = "dynamodb-exports"
#       event_pattern = jsonencode({
#         source        = ["aws.dynamodb"]
#         "detail-type" = ["AWS API Call via CloudTrail"]
#         detail        = { eventName = ["ExportTableToPointInTime"] }
#       })
#     }
#
#     resource "aws_cloudwatch_event_target" "dynamodb_exports" {
#       rule = aws_cloudwatch_event_rule.dynamodb_exports.name
#       arn  = aws_sns_topic.alerts.arn
#     }
package ddb_guardrails.rules.audit.exports_watched

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring

export_event := {"ExportTableToPointInTime"}

covered if count(monitoring.routed_events(export_event)) > 0

covered if count(monitoring.alarmed_events(export_event)) > 0

uncertain := {evidence | some _, evidence in monitoring.unknown_rules} | {evidence | some _, evidence in monitoring.unknown_filters}

violation contains finding if {
	not covered
	count(uncertain) == 0
	some address, _ in monitoring.tables
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"no EventBridge rule with a target or alerting alarm watches exports of this table (ExportTableToPointInTime)",
		["no enabled, targeted EventBridge rule and no alarmed log metric filter matches ExportTableToPointInTime"],
	)
}

violation contains finding if {
	not covered
	count(uncertain) > 0
	some address, _ in monitoring.tables
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether an alert watches exports of this table is only known after apply",
		sort(uncertain),
	)
}
