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

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.findings

violation contains finding if {
	some table in tables.records
	some entry in table.deletion_protection
	entry.verdict == "off"
	finding := findings.violation(rego.metadata.chain(), table.address, concat("", [table.subject, "deletion protection is off"]), entry.evidence)
}

violation contains finding if {
	some table in tables.records
	some entry in table.deletion_protection
	entry.verdict in {"unprovable", "unreadable"}
	finding := findings.unprovable(
		rego.metadata.chain(),
		table.address,
		concat("", [table.subject, unprovable_message(entry)]),
		entry.evidence,
	)
}

unprovable_message(entry) := tables.unreadable_message("deletion protection") if {
	entry.verdict == "unreadable"
} else := concat("", [object.get(entry, "attribute", "deletion protection"), " is only known after apply"])
