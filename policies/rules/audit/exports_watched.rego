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
#   nothing known covers exports, tables get DDB-AUD-006-UNPROVABLE. Rules, filters and alarms see
#   their own account only: they cover a table in one account with them, as DDB-AUD-001 decides it;
#   a table of another known account is not covered, and one whose account cannot be compared with
#   theirs gets DDB-AUD-006-UNPROVABLE.
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
import data.ddb_guardrails.lib.plan

export_event := {"ExportTableToPointInTime"}

# The rules and alarmed filters that see exports in their own account: address -> events.
rule_events := monitoring.routed_events(export_event)

filter_events := monitoring.alarmed_events(export_event)

# "one": by a watcher surely of the table's account; "maybe": of an account not surely another.
covered(table, mode) if count(monitoring.events_in_account(rule_events, table, mode)) > 0

covered(table, mode) if count(monitoring.alarmed_events_in_account(filter_events, table, mode)) > 0

# Asked once per group of tables in one account.
gaps[key] := {"unknown": uncertain(table)} if {
	some key, addresses in monitoring.table_groups
	table := plan.resources[min(addresses)]
	not covered(table, "one")
}

uncertain(table) := (monitoring.unknown_rules_for(table) | {evidence | some _, evidence in monitoring.unknown_filters}) | account_uncertain(table)

# Watchers that may be of the table's account see exports.
account_uncertain(table) := monitoring.account_evidence(watchers, table) if covered(table, "maybe")

else := set()

watchers := ({address | some address, _ in rule_events} | {address | some address, _ in filter_events}) | {alarm |
	some address, _ in filter_events
	some alarm in monitoring.alarmed_filters[address].alarms
}

violation contains finding if {
	some key, gap in gaps
	count(gap.unknown) == 0
	some address in monitoring.table_groups[key]
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"no EventBridge rule with a target or alerting alarm watches exports of this table (ExportTableToPointInTime)",
		array.concat(
			["no enabled, targeted EventBridge rule and no alarmed log metric filter matches ExportTableToPointInTime"],
			sort(monitoring.account_evidence(watchers, plan.resources[address])),
		),
	)
}

violation contains finding if {
	some key, gap in gaps
	count(gap.unknown) > 0
	some address in monitoring.table_groups[key]
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether an alert watches exports of this table is only known after apply",
		sort(gap.unknown),
	)
}
