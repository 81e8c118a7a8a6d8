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

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.source
import data.ddb_guardrails.lib.tables

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	not block_unknown(table)
	not table.after.point_in_time_recovery[0].enabled == true
	not table.unknown.point_in_time_recovery[0].enabled == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"point-in-time recovery is off",
		[sprintf("point_in_time_recovery[0].enabled = %v", [object.get(table.after, ["point_in_time_recovery", 0, "enabled"], null)])],
	)
}

# Computed by the provider when the configuration has no block (or a dynamic one): off.
violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	block_unknown(table)
	plan.config(table)
	plan.expression(table, ["point_in_time_recovery"]) == null
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"point-in-time recovery is off (no point_in_time_recovery block)",
		[source.missing_block(table, "point_in_time_recovery")],
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	unknown_setting(table)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"point_in_time_recovery is only known after apply",
		references.unknown_chain(table, ["point_in_time_recovery", 0, "enabled"], "point_in_time_recovery[0].enabled"),
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	some i, replica in object.get(table.after, "replica", [])
	not replica.point_in_time_recovery == true
	not table.unknown.replica[i].point_in_time_recovery == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("point-in-time recovery is off on the replica in %v", [object.get(replica, "region_name", "(unknown region)")]),
		[sprintf("replica[region_name = %v].point_in_time_recovery = %v", [
			object.get(replica, "region_name", "(unknown)"),
			object.get(replica, "point_in_time_recovery", null),
		])],
	)
}

violation contains finding if {
	some address, replica in plan.of_type("aws_dynamodb_table_replica")
	not replica.unknown.point_in_time_recovery == true
	not replica.after.point_in_time_recovery == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"point-in-time recovery is off on the replica",
		[sprintf("point_in_time_recovery = %v", [object.get(replica.after, "point_in_time_recovery", null)])],
	)
}

# Tables and replicas of the AWS Cloud Control provider and of CloudFormation templates (lib/tables.rego).
violation contains finding if {
	some entry in tables.pitr
	entry.verdict == "off"
	finding := findings.violation(rego.metadata.chain(), entry.address, concat("", [entry.subject, "point-in-time recovery is off"]), entry.evidence)
}

violation contains finding if {
	some entry in tables.pitr
	entry.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		entry.address,
		concat("", [entry.subject, "point-in-time recovery is only known after apply"]),
		entry.evidence,
	)
}

violation contains finding if {
	some stack in tables.unreadable
	finding := findings.unprovable(
		rego.metadata.chain(),
		stack.address,
		"the stack's template cannot be read, so the point-in-time recovery of the tables it declares cannot be checked",
		stack.evidence,
	)
}

block_unknown(table) if table.unknown.point_in_time_recovery == true

unknown_setting(table) if {
	block_unknown(table)
	not plan.expression(table, ["point_in_time_recovery"]) == null
}

unknown_setting(table) if table.unknown.point_in_time_recovery[0].enabled == true
