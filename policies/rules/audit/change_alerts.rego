# METADATA
# title: Changes to DynamoDB tables, their recovery and their access raise an alert
# description: >-
#   Turning off point-in-time recovery, deleting a table or its backups, or opening its resource
#   policy are the steps of an attack on the data or of an accident; they must be noticed. Tables
#   are covered when enabled aws_cloudwatch_event_rule resources with an aws_cloudwatch_event_target
#   (on the default event bus: AWS services send their events to no other bus)
#   match, between them, the CloudTrail-recorded DynamoDB calls UpdateTable, DeleteTable,
#   UpdateContinuousBackups, DeleteBackup, PutResourcePolicy and DeleteResourcePolicy (source
#   aws.dynamodb, detail-type "AWS API Call via CloudTrail", detail.eventName matching them, or any
#   of these fields left out; values and the content filters prefix, suffix, equals-ignore-case,
#   wildcard, anything-but and exists match as EventBridge matches them, other filters match
#   nothing). An AWS Config managed rule counts only for the change it sees, and only when its
#   results reach someone (an aws_config_delivery_channel with an SNS topic, or a targeted
#   EventBridge rule on "Config Rules Compliance Change"): DYNAMODB_PITR_ENABLED covers
#   UpdateContinuousBackups; no managed rule covers UpdateTable (it also turns off deletion
#   protection), deletes or resource-policy changes. Account-wide rules cover every table;
#   the violation is reported on each table (every table counts as holding data; one that holds
#   none is waived with its reason). When an event pattern is only known after apply and the known
#   rules do not cover the calls, tables get DDB-AUD-005-UNPROVABLE.
# custom:
#   id: DDB-AUD-005
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     Add an aws_cloudwatch_event_rule matching source aws.dynamodb, detail-type "AWS API Call via
#     CloudTrail" and these eventName values, with an aws_cloudwatch_event_target (e.g. an SNS
#     topic); or the Config rules DYNAMODB_TABLE_ENCRYPTED_KMS and DYNAMODB_PITR_ENABLED (the
#     AuditTrail construct creates the rule, and the Config rules with configRules).
#   concept: Logging and auditing
#   example: |
#     resource "aws_cloudwatch_event_rule" "dynamodb_changes" {
#       name = "dynamodb-config-changes"
#       event_pattern = jsonencode({
#         source        = ["aws.dynamodb"]
#         "detail-type" = ["AWS API Call via CloudTrail"]
#         detail = {
#           eventSource = ["dynamodb.amazonaws.com"]
#           eventName   = ["UpdateTable", "DeleteTable", "UpdateContinuousBackups", "DeleteBackup",
#                          "PutResourcePolicy", "DeleteResourcePolicy", "ExportTableToPointInTime"]
#         }
#       })
#     }
#
#     resource "aws_cloudwatch_event_target" "dynamodb_changes" {
#       rule = aws_cloudwatch_event_rule.dynamodb_changes.name
#       arn  = aws_sns_topic.alerts.arn
#     }
package ddb_guardrails.rules.audit.change_alerts

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring

change_events := {"UpdateTable", "DeleteTable", "UpdateContinuousBackups", "DeleteBackup", "PutResourcePolicy", "DeleteResourcePolicy"}

# The change each AWS Config managed rule turns noncompliant, whatever else the call may do:
# UpdateContinuousBackups only switches point-in-time recovery. UpdateTable also turns off deletion
# protection or streams, which DYNAMODB_TABLE_ENCRYPTED_KMS does not see, and no managed rule sees
# DeleteTable, DeleteBackup or a resource-policy change.
config_rule_changes := {"DYNAMODB_PITR_ENABLED": "UpdateContinuousBackups"}

config_covered contains event if {
	monitoring.config_results_delivered
	some identifier, event in config_rule_changes
	identifier in monitoring.config_rule_identifiers
}

missing := (change_events - monitoring.routed_events(change_events)) - config_covered

covered if count(missing) == 0

violation contains finding if {
	not covered
	count(monitoring.unknown_rules) == 0
	some address, _ in monitoring.tables
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"no EventBridge rule with a target (or AWS Config rule set) alerts on changes to this table",
		[
			sprintf("no enabled, targeted EventBridge rule matches %s", [concat(", ", sort(missing))]),
			config_evidence,
		],
	)
}

violation contains finding if {
	not covered
	count(monitoring.unknown_rules) > 0
	some address, _ in monitoring.tables
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether an EventBridge rule alerts on changes to this table is only known after apply",
		sort({evidence | some _, evidence in monitoring.unknown_rules}),
	)
}

config_evidence := "AWS Config rule results reach nobody (no delivery channel SNS topic, no targeted rule on Config Rules Compliance Change)" if {
	not monitoring.config_results_delivered
}

config_evidence := sprintf("AWS Config managed rules cover: %s", [concat(", ", sort(config_covered))]) if {
	monitoring.config_results_delivered
	count(config_covered) > 0
}

config_evidence := "AWS Config managed rules cover none of these changes" if {
	monitoring.config_results_delivered
	count(config_covered) == 0
}
