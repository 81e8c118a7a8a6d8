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
#   aws_cloudwatch_metric_alarm with alarm_actions that goes off when its metric rises, and reads a
#   log group that an enabled aws_cloudtrail delivers to (cloud_watch_logs_group_arn naming it, by
#   reference or ARN, and cloud_watch_logs_role_arn set, as for DDB-AUD-004) while recording write
#   management events in the table's account and Region: with no selector (CloudTrail's default), an
#   event_selector with include_management_events and read_write_type All or WriteOnly, or an
#   advanced_event_selector on eventCategory = Management whose readOnly and eventSource let
#   dynamodb.amazonaws.com writes through. A filter on a log group no such trail delivers to never
#   counts an export. The violation is reported on each table (every table counts as holding data).
#   When an event pattern, a filter, its log group or the selectors of the trail delivering to it
#   are only known after apply and nothing known covers exports, tables get DDB-AUD-006-UNPROVABLE.
#   Rules, filters, alarms and trails see their own account only: they cover a table in one account
#   with them, as DDB-AUD-001 decides it; a table of another known account is not covered, and one
#   whose account cannot be compared with theirs gets DDB-AUD-006-UNPROVABLE.
# custom:
#   id: DDB-AUD-006
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     List ExportTableToPointInTime in the eventName of an EventBridge rule on aws.dynamodb API
#     calls with a target (the AuditTrail construct's rule does), or alarm on a log metric filter
#     for it on the log group of a trail that records management events and delivers there
#     (cloud_watch_logs_group_arn and cloud_watch_logs_role_arn).
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

import data.ddb_guardrails.lib.cloudtrail
import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring
import data.ddb_guardrails.lib.plan

export_event := {"ExportTableToPointInTime"}

# The rules and alarmed filters that see exports in their own account: address -> events.
rule_events := monitoring.routed_events(export_event)

filter_events := monitoring.alarmed_events(export_event)

# "one": by a watcher surely of the table's account; "maybe": of an account not surely another.
covered(table, mode) if count(monitoring.events_in_account(rule_events, table, mode)) > 0

# A filter counts exports only on a log group that a trail recording write management events
# delivers to (as DDB-AUD-004 reads a Scan filter).
covered(table, mode) if {
	some address, _ in filter_events
	some alarm in monitoring.alarmed_filters[address].alarms
	monitoring.in_account({address, alarm}, table, mode)
	cloudtrail.delivered(address, table, mode, export_events)
}

export_events := "write management events"

# Asked once per group of tables in one account.
gaps[key] := {"unknown": uncertain(table)} if {
	some key, addresses in monitoring.table_groups
	table := plan.resources[min(addresses)]
	not covered(table, "one")
}

uncertain(table) := ((monitoring.unknown_rules_for(table) | unknown_filters) | account_uncertain(table)) | delivery_uncertain(table)

unknown_filters contains evidence if some evidence in monitoring.unknown_filters

# Export filters whose log group, or the trail that delivers to it, cannot be read before apply.
delivery_uncertain(table) := ({evidence |
	some address, _ in filter_events
	some evidence in cloudtrail.delivery_uncertain(address, table, export_events)
} | {evidence |
	count(filter_events) > 0
	some chain in monitoring.unresolved_deliveries
	some evidence in chain
}) | {evidence |
	some address, _ in filter_events
	some evidence in object.get(monitoring.unresolved_filter_groups, address, [])
}

# Watchers that may be of the table's account see exports.
account_uncertain(table) := monitoring.account_evidence(watchers, table) if covered(table, "maybe")

else := set()

watchers := ({address | some address, _ in rule_events} | {address | some address, _ in filter_events}) | {watcher |
	some address, _ in filter_events
	some watcher in (monitoring.alarmed_filters[address].alarms | monitoring.delivering_trails(address))
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
			["no enabled, targeted EventBridge rule, and no alarmed log metric filter on a log group a trail delivers to, matches ExportTableToPointInTime"],
			sort(undelivered_evidence(plan.resources[address]) | monitoring.account_evidence(watchers, plan.resources[address])),
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

# Export filters that reach no trail recording write management events.
undelivered_evidence(table) := {cloudtrail.undelivered_evidence(address, export_events) |
	some address, _ in filter_events
	not cloudtrail.delivered(address, table, "maybe", export_events)
}
