# METADATA
# title: Tables and their replicas have point-in-time recovery on
# description: >-
#   Without point-in-time recovery, an item deleted or overwritten by a bug, a compromised
#   credential or ransomware is gone: on-demand backups only restore to when they were taken. PITR
#   restores the table to any second of the last 35 days (or recovery_period_in_days). The rule
#   checks aws_dynamodb_table (point_in_time_recovery { enabled = true }), each replica {} block of
#   a table (point_in_time_recovery = true, off by default) and aws_dynamodb_table_replica. A value
#   that is only known after apply gets DDB-REC-001-UNPROVABLE; a dynamic point_in_time_recovery
#   block is not in the plan's configuration and is judged as absent. awscc tables and global-table
#   replicas (point_in_time_recovery_specification) and CloudFormation tables and replicas
#   (PointInTimeRecoverySpecification) are judged too; an intrinsic function there, or an unreadable
#   template, is DDB-REC-001-UNPROVABLE; so are Cloud Control tables (aws_cloudcontrolapi_resource,
#   desired_state read like a template's properties). Public modules can leave replicas without it:
#   cloudposse/terraform-aws-dynamodb (v0.37) writes point_in_time_recovery = false into every
#   replica of var.replicas, whatever the caller sets for the table.
# custom:
#   id: DDB-REC-001
#   guardrail: recovery
#   severity: high
#   remediation: >-
#     Add point_in_time_recovery { enabled = true } to the table, point_in_time_recovery = true to
#     each replica {} block and to aws_dynamodb_table_replica (the SecureTable construct does this
#     unless given pointInTimeRecoveryWaiver).
#   concept: Backup and recovery
#   example: |
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       point_in_time_recovery {
#         enabled = true
#       }
#     }
package ddb_guardrails.rules.recovery.point_in_time_recovery

import rego.v1

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.findings

violation contains finding if {
	some table in tables.records
	some entry in table.pitr
	entry.verdict == "off"
	message := concat("", [table.subject, "point-in-time recovery is off", off_detail(table, entry)])
	finding := findings.violation(rego.metadata.chain(), table.address, message, entry.evidence)
}

violation contains finding if {
	some table in tables.records
	some entry in table.pitr
	entry.verdict in {"unprovable", "unreadable"}
	finding := findings.unprovable(
		rego.metadata.chain(),
		table.address,
		concat("", [table.subject, unprovable_message(entry)]),
		entry.evidence,
	)
}

# What the aws provider's messages add: the block left out, or the replica the setting is on.
off_detail(table, entry) := concat("", [" (no ", entry.attribute, " block)"]) if {
	entry.cause == "absent"
} else := sprintf(" on the replica in %v", [entry.region]) if {
	entry.region
} else := " on the replica" if {
	table.type == "aws_dynamodb_table_replica"
} else := ""

unprovable_message(entry) := tables.unreadable_message("point-in-time recovery") if {
	entry.verdict == "unreadable"
} else := concat("", [object.get(entry, "attribute", "point-in-time recovery"), " is only known after apply"])
