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
#   rules do not cover the calls, tables get DDB-AUD-005-UNPROVABLE. EventBridge rules, Config rules
#   and delivery channels see the changes of their own account only: they cover a table in one
#   account with them, as DDB-AUD-001 decides it (the same provider configuration, equal known
#   accounts, or neither provider naming one); a table of another known account is not covered,
#   and one whose account cannot be compared with theirs gets DDB-AUD-005-UNPROVABLE.
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
import data.ddb_guardrails.lib.plan

change_events := {"UpdateTable", "DeleteTable", "UpdateContinuousBackups", "DeleteBackup", "PutResourcePolicy", "DeleteResourcePolicy"}

# The change each AWS Config managed rule turns noncompliant, whatever else the call may do:
# UpdateContinuousBackups only switches point-in-time recovery. UpdateTable also turns off deletion
# protection or streams, which DYNAMODB_TABLE_ENCRYPTED_KMS does not see, and no managed rule sees
# DeleteTable, DeleteBackup or a resource-policy change.
config_rule_changes := {"DYNAMODB_PITR_ENABLED": "UpdateContinuousBackups"}

# The EventBridge rules that match some of the changes: address -> events.
rule_events := monitoring.routed_events(change_events)

# The changes a Config managed rule of the table's account sees and reports to someone.
config_covered(table, mode) := {event |
	monitoring.config_results_delivered(table, mode)
	some identifier, event in config_rule_changes
	some address in monitoring.config_rules[identifier]
	monitoring.in_account({address}, table, mode)
}

# The changes no rule of the table's account sees ("one": surely of its account; "maybe": not surely
# of another).
missing(table, mode) := (change_events - monitoring.events_in_account(rule_events, table, mode)) - config_covered(table, mode)

# Asked once per group of tables in one account.
gaps[key] := {"missing": missing(table, "one"), "possible": missing(table, "maybe"), "unknown": monitoring.unknown_rules_for(table)} if {
	some key, addresses in monitoring.table_groups
	table := plan.resources[min(addresses)]
	count(missing(table, "one")) > 0
}

violation contains finding if {
	some key, gap in gaps
	count(gap.possible) > 0
	count(gap.unknown) == 0
	some address in monitoring.table_groups[key]
	table := plan.resources[address]
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"no EventBridge rule with a target (or AWS Config rule set) alerts on changes to this table",
		array.concat(
			[
				sprintf("no enabled, targeted EventBridge rule matches %s", [concat(", ", sort(gap.missing))]),
				config_evidence(table),
			],
			sort(monitoring.account_evidence(watchers, table)),
		),
	)
}

violation contains finding if {
	some key, gap in gaps
	uncertain(gap)
	some address in monitoring.table_groups[key]
	table := plan.resources[address]
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether an EventBridge rule alerts on changes to this table is only known after apply",
		sort(gap.unknown | account_uncertain(gap, table)),
	)
}

uncertain(gap) if count(gap.unknown) > 0

uncertain(gap) if count(gap.possible) == 0

# Rules and Config rules that may be of the table's account cover the changes.
account_uncertain(gap, table) := monitoring.account_evidence(watchers, table) if count(gap.possible) == 0

account_uncertain(gap, _) := set() if count(gap.possible) > 0

# The rules and Config rules that would see some of the changes in their own account.
watchers := {address | some address, _ in rule_events} | {address |
	some identifier, _ in config_rule_changes
	some address in monitoring.config_rules[identifier]
}

config_evidence(table) := "AWS Config rule results reach nobody (no delivery channel SNS topic, no targeted rule on Config Rules Compliance Change)" if {
	not monitoring.config_results_delivered(table, "one")
}

config_evidence(table) := sprintf("AWS Config managed rules cover: %s", [concat(", ", sort(config_covered(table, "one")))]) if {
	monitoring.config_results_delivered(table, "one")
	count(config_covered(table, "one")) > 0
}

config_evidence(table) := "AWS Config managed rules cover none of these changes" if {
	monitoring.config_results_delivered(table, "one")
	count(config_covered(table, "one")) == 0
}
