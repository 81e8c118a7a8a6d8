# METADATA
# title: Tables and table replicas have deletion protection on
# description: >-
#   A table deleted by a mistaken terraform destroy, a renamed resource or a compromised role takes
#   its streams and PITR window with it (only a final backup is kept, if requested). Deletion
#   protection makes DeleteTable fail until it is turned off explicitly. Severity is lower than
#   PITR's: it guards against one operation, PITR against many. The rule checks
#   deletion_protection_enabled on aws_dynamodb_table and aws_dynamodb_table_replica; unset means
#   off. A value that is only known after apply, set from an expression the plan cannot resolve,
#   gets DDB-REC-002-UNPROVABLE. awscc tables and global-table replicas and CloudFormation tables
#   and replicas (DeletionProtectionEnabled) are judged too, and Cloud Control tables
#   (aws_cloudcontrolapi_resource, from desired_state). Public modules default it off:
#   terraform-aws-modules/dynamodb-table (v4) leaves deletion_protection_enabled unset and
#   cloudposse/terraform-aws-dynamodb (v0.37) sets it to false, unless the caller sets it.
# custom:
#   id: DDB-REC-002
#   guardrail: recovery
#   severity: medium
#   remediation: >-
#     Set deletion_protection_enabled = true on the table or replica (the SecureTable construct does
#     this by default).
#   concept: Backup and recovery
#   example: |
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       deletion_protection_enabled = true
#     }
package ddb_guardrails.rules.recovery.deletion_protection

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.tables

types := {"aws_dynamodb_table", "aws_dynamodb_table_replica"}

violation contains finding if {
	some type in types
	some address, table in plan.of_type(type)
	not unknown_setting(table)
	not table.after.deletion_protection_enabled == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"deletion protection is off",
		[evidence(table)],
	)
}

violation contains finding if {
	some type in types
	some address, table in plan.of_type(type)
	unknown_setting(table)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"deletion_protection_enabled is only known after apply",
		references.unknown_chain(table, ["deletion_protection_enabled"], "deletion_protection_enabled"),
	)
}

# Tables and replicas of the AWS Cloud Control provider and of CloudFormation templates (lib/tables.rego).
violation contains finding if {
	some entry in tables.deletion_protection
	entry.verdict == "off"
	finding := findings.violation(rego.metadata.chain(), entry.address, concat("", [entry.subject, "deletion protection is off"]), entry.evidence)
}

violation contains finding if {
	some entry in tables.deletion_protection
	entry.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		entry.address,
		concat("", [entry.subject, "deletion protection is only known after apply"]),
		entry.evidence,
	)
}

violation contains finding if {
	some stack in tables.unreadable
	finding := findings.unprovable(
		rego.metadata.chain(),
		stack.address,
		"the stack's template cannot be read, so the deletion protection of the tables it declares cannot be checked",
		stack.evidence,
	)
}

# Unknown only because the provider computes it (not in the configuration) is off, not unknown.
unknown_setting(table) if {
	table.unknown.deletion_protection_enabled == true
	not plan.expression(table, ["deletion_protection_enabled"]) == null
}

evidence(table) := "deletion_protection_enabled: not set (off)" if {
	table.unknown.deletion_protection_enabled == true
} else := sprintf("deletion_protection_enabled = %v", [object.get(table.after, "deletion_protection_enabled", null)])
