# METADATA
# title: Every table has an alarm on Scan activity with an alarm action
# description: >-
#   A Scan reads the whole table: it is how data is scraped. The reference asks for CloudTrail logs
#   with alarms on large Scan events. A table is covered by an aws_cloudwatch_metric_alarm with
#   alarm_actions (and actions not disabled) that goes off when its metric rises (comparison
#   GreaterThan…, or an anomaly band's upper side; statistic not Minimum), on either of two metrics.
#   (1) A log metric filter's metric (namespace and name of its metric_transformation) whose pattern
#   selects $.eventName = "Scan" (for every table, or with $.requestParameters.tableName = its name;
#   a pattern that also tests another field, such as $.awsRegion or $.errorCode, may count no call
#   and does not count), on a log group that an enabled aws_cloudtrail delivers to
#   (cloud_watch_logs_group_arn naming it, by reference or ARN, and cloud_watch_logs_role_arn set)
#   while recording this table's read data events (as DDB-AUD-001 reads its selectors and Region): a
#   filter on a log group no such trail delivers to never counts a call. (2) The AWS/DynamoDB metric
#   ReturnedItemCount with the dimensions TableName = the table (its name, or a reference to it)
#   and Operation = Scan, as the alarm's metric or as the returned metric of its metric_query. An
#   alarm on a metric DynamoDB does not publish with those dimensions (e.g. ConsumedReadCapacityUnits
#   with Operation) never leaves INSUFFICIENT_DATA and does not count (DDB-AUD-010 flags it). Every
#   aws_dynamodb_table counts as holding data (a plan cannot show that a table is empty); a table
#   that holds none is waived per finding with its reason. When a filter's pattern or metric, a
#   trail's log group, or an alarm's TableName cannot be followed before apply, tables not otherwise
#   covered get DDB-AUD-004-UNPROVABLE. Alarms, metric filters and trails watch their own account only
#   (a ReturnedItemCount alarm reads the table of that name in the alarm's account): they cover a
#   table in one account with them, as DDB-AUD-001 decides it (the same provider configuration, equal
#   known accounts, or neither provider naming one); a table of another known account is not
#   covered, and one whose account cannot be compared with theirs gets DDB-AUD-004-UNPROVABLE.
# custom:
#   id: DDB-AUD-004
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     Deliver the trail that records the table's data events to a CloudWatch log group
#     (cloud_watch_logs_group_arn and cloud_watch_logs_role_arn), add a log metric filter on that log
#     group for { ($.eventSource = "dynamodb.amazonaws.com") && ($.eventName = "Scan") } and an
#     aws_cloudwatch_metric_alarm on its metric with alarm_actions; or alarm on ReturnedItemCount
#     with dimensions { TableName, Operation = "Scan" } (the AuditTrail construct creates both).
#   concept: Logging and auditing
#   example: |
#     resource "aws_cloudwatch_metric_alarm" "sessions_large_scan" {
#       alarm_name          = "sessions-large-scan"
#       namespace           = "AWS/DynamoDB"
#       metric_name         = "ReturnedItemCount"
#       dimensions          = { TableName = aws_dynamodb_table.sessions.name, Operation = "Scan" }
#       statistic           = "Maximum"
#       period              = 300
#       evaluation_periods  = 1
#       threshold           = 100
#       comparison_operator = "GreaterThanThreshold"
#       alarm_actions       = [aws_sns_topic.alerts.arn]
#     }
package ddb_guardrails.rules.audit.scan_alarm

import rego.v1

import data.ddb_guardrails.lib.cloudtrail
import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring
import data.ddb_guardrails.lib.references

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table, "one")
	count(unsure(table)) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"no CloudWatch alarm with an alarm action watches Scan calls on this table",
		gap_evidence(table),
	)
}

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table, "one")
	count(unsure(table)) > 0
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether an alarm watches Scan calls on this table is only known after apply",
		sort(unsure(table)),
	)
}

unsure(table) := (uncertain | delivery_uncertain(table)) | account_uncertain(table)

# "one": watched by an alarm (with its filter and trail) surely of the table's account; "maybe": by
# one of an account not surely another. An alarm, metric filter or trail of another account does not
# see the table: a ReturnedItemCount alarm reads the table of that name in its own account.
covered(table, mode) if {
	some address, filter in monitoring.alarmed_filters
	monitoring.filter_watches(filter, "Scan", table)
	some alarm in filter.alarms
	monitoring.in_account({address, alarm}, table, mode)
	cloudtrail.delivered(address, table, mode, scan_events)
}

# Indexed by table name: one alarm per table made a scan of every alarm per table quadratic.
covered(table, mode) if {
	some alarm in alarmed_tables[table.after.name]
	monitoring.in_account({alarm}, table, mode)
}

# Watchers that may be of the table's account cover it: whether they are is only known at apply.
account_uncertain(table) := monitoring.account_evidence(watchers(table), table) if covered(table, "maybe")

else := set()

# The alarms, filters and trails that would watch the table's Scans in their own account.
watchers(table) := object.get(alarmed_tables, table.after.name, set()) | {watcher |
	some address, filter in monitoring.alarmed_filters
	monitoring.filter_watches(filter, "Scan", table)
	some watcher in (({address} | filter.alarms) | monitoring.delivering_trails(address))
}

alarmed_tables[name] contains address if {
	some address, names in alarms_on_scans
	alarm := monitoring.alerting_alarms[address]
	monitoring.fires_on_rise(alarm)
	some name in names
}

# Alarms on the published DynamoDB Scan metric, with or without actions: address -> table names.
alarms_on_scans[address] contains metric.dimensions.TableName if {
	some address, metrics in monitoring.alarm_metrics
	some metric in metrics
	scan_metric(metric)
}

scan_metric(metric) if {
	metric.returned
	metric.namespace == "AWS/DynamoDB"
	metric.name == "ReturnedItemCount"
	metric.dimensions.Operation == "Scan"
	not monitoring.unpublished(metric)
}

# Terraform marks the whole dimensions map unknown when one value is: neither the table nor the
# Operation can be read, whatever the map references.
uncertain := (({evidence | some evidence in monitoring.unknown_filters} | {evidence |
	some address, alarm in monitoring.alerting_alarms
	alarm.after.namespace == "AWS/DynamoDB"
	alarm.after.metric_name == "ReturnedItemCount"
	alarm.unknown.dimensions == true
	some evidence in references.unknown_chain(alarm, ["dimensions"], concat("", [address, ".dimensions"]))
}) | {sprintf("%s: dimensions (known after apply)", [metric.label]) |
	some address, _ in monitoring.alerting_alarms
	some metric in monitoring.alarm_metrics[address]
	metric.label != address
	metric.returned
	metric.name == "ReturnedItemCount"
	metric.dimensions == null
}) | {evidence |
	count(monitoring.alarmed_filters) > 0
	some chain in object.union(monitoring.unresolved_deliveries, monitoring.unresolved_filter_groups)
	some evidence in chain
}

gap_evidence(table) := array.concat(
	array.concat(
		["no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table"],
		sort({concat("", [address, ": no alarm_actions"]) |
			some address, names in alarms_on_scans
			table.after.name in names
			not monitoring.alerting_alarms[address]
		}),
	),
	sort(((undelivered_evidence(table) | unpublished_evidence(table)) | monitoring.account_evidence(watchers(table), table))),
)

# Scan filters that count for this table but reach no trail that records its reads.
undelivered_evidence(table) := {cloudtrail.undelivered_evidence(address, scan_events) |
	some address, filter in monitoring.alarmed_filters
	monitoring.filter_watches(filter, "Scan", table)
	not cloudtrail.delivered(address, table, "maybe", scan_events)
}

scan_events := "read data events"

# A trail delivering to a Scan filter's log group whose selectors or enable_logging cannot be read
# before apply may record the table's reads.
delivery_uncertain(table) := {evidence |
	some address, filter in monitoring.alarmed_filters
	monitoring.filter_watches(filter, "Scan", table)
	some evidence in cloudtrail.delivery_uncertain(address, table, scan_events)
}

# Alarms on this table's Scans through a metric DynamoDB does not publish.
unpublished_evidence(table) := {sprintf("%s: %s; this alarm never leaves INSUFFICIENT_DATA", [metric.label, monitoring.published_as(metric.name)]) |
	some metric in object.get(_scan_metrics, table.after.name, set())
	monitoring.unpublished(metric)
}

# The alarms' metrics of Scan calls, by the table they name: looked up per table, not scanned (with an
# alarm per table, that was quadratic).
_scan_metrics[name] contains metric if {
	some metrics in monitoring.alarm_metrics
	some metric in metrics
	metric.dimensions.Operation == "Scan"
	name := metric.dimensions.TableName
}
