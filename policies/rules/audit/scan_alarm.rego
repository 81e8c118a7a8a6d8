# METADATA
# title: Every table has an alarm on Scan activity with an alarm action
# description: >-
#   A Scan reads the whole table: it is how data is scraped. The reference asks for CloudTrail logs
#   with alarms on large Scan events. A table is covered when an aws_cloudwatch_metric_alarm with
#   alarm_actions (and actions not disabled) watches either a log metric filter whose pattern
#   selects $.eventName = "Scan" (for every table, or with $.requestParameters.tableName = its
#   name; a pattern that also tests another field, such as $.awsRegion or $.errorCode, may count no
#   call and does not count), matched by the filter's metric_transformation name and namespace, or
#   the AWS/DynamoDB metric ReturnedItemCount or ConsumedReadCapacityUnits with the dimensions
#   Operation = Scan and TableName = the table (its name, or a reference to it). Every aws_dynamodb_table counts as
#   holding data (a plan cannot show that a table is empty); a table that holds none is waived
#   per finding with its reason. That the filter's log group receives the trail is not checked
#   here (DDB-AUD-001 checks that the data events are recorded). When a filter's pattern or metric,
#   or an alarm's TableName, cannot be followed before apply, tables not otherwise covered get
#   DDB-AUD-004-UNPROVABLE.
# custom:
#   id: DDB-AUD-004
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     Add a log metric filter on the trail's log group for { ($.eventSource = "dynamodb.amazonaws.com")
#     && ($.eventName = "Scan") } and an aws_cloudwatch_metric_alarm on its metric with alarm_actions,
#     or an alarm on ReturnedItemCount with dimensions { TableName, Operation = "Scan" } (the
#     AuditTrail construct creates both).
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

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

scan_metrics := {"ReturnedItemCount", "ConsumedReadCapacityUnits"}

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table)
	count(uncertain) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"no CloudWatch alarm with an alarm action watches Scan calls on this table",
		gap_evidence(table),
	)
}

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table)
	count(uncertain) > 0
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether an alarm watches Scan calls on this table is only known after apply",
		sort(uncertain),
	)
}

covered(table) if {
	some _, filter in monitoring.alarmed_filters
	monitoring.filter_watches(filter, "Scan", table)
}

# Indexed by table name: one alarm per table made a scan of every alarm per table quadratic.
covered(table) if table.after.name in alarmed_table_names

alarmed_table_names contains alarm.after.dimensions.TableName if {
	some address, alarm in alarms_on_scans
	monitoring.alerting_alarms[address]
}

# Alarms on a DynamoDB Scan metric, with or without actions.
alarms_on_scans[address] := alarm if {
	some address, alarm in dynamodb_metric_alarms
	alarm.after.dimensions.Operation == "Scan"
}

dynamodb_metric_alarms[address] := alarm if {
	some address, alarm in plan.of_type("aws_cloudwatch_metric_alarm")
	alarm.after.namespace == "AWS/DynamoDB"
	alarm.after.metric_name in scan_metrics
}

# Terraform marks the whole dimensions map unknown when one value is: neither the table nor the
# Operation can be read, whatever the map references.
uncertain := {evidence | some _, evidence in monitoring.unknown_filters} | {evidence |
	some address, alarm in dynamodb_metric_alarms
	monitoring.alerting_alarms[address]
	alarm.unknown.dimensions == true
	some evidence in references.unknown_chain(alarm, ["dimensions"], concat("", [address, ".dimensions"]))
}

gap_evidence(table) := array.concat(
	["no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table"],
	sort({concat("", [address, ": no alarm_actions"]) |
		some address, alarm in alarms_on_scans
		alarm.after.dimensions.TableName == table.after.name
		not monitoring.alerting_alarms[address]
	}),
)
