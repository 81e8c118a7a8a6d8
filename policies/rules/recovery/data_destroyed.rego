# METADATA
# title: A change deletes or replaces no table, table key or stream archive
# description: >-
#   Terraform deletes what leaves the configuration and replaces what changes an attribute that
#   cannot be updated (a table's name or key schema): a rename in review reads as an edit, and
#   applies as DeleteTable. The items are gone (PITR backups go with the table), a deleted KMS key
#   (scheduled for deletion, then destroyed) makes every table and backup under it unreadable, and a
#   deleted stream archive loses the record of deleted items. The rule flags each
#   aws_dynamodb_table (and awscc table) the plan deletes (["delete"]) or replaces
#   (["delete", "create"] or ["create", "delete"]), each aws_kms_key a table uses (by kms_key_arn in the
#   state or the plan), and each S3 bucket tagged ddb-guardrails:role = stream-archive. A plan that only
#   deletes is judged on what it deletes. Where the data may go (the table is empty by declaration, a
#   migration copied it), waive DDB-REC-004 for the address with that reason.
# custom:
#   id: DDB-REC-004
#   guardrail: recovery
#   severity: critical
#   remediation: >-
#     Keep the resource: restore its configuration, or move it with a `moved` block instead of renaming
#     it; for a replacement, change back the attribute that forces it. If the data may go, waive
#     DDB-REC-004 for the address with the reason (e.g. the table is empty).
#   concept: Security regressions
#   example: |
#     moved {
#       from = aws_dynamodb_table.sessions
#       to   = aws_dynamodb_table.user_sessions
#     }
package ddb_guardrails.rules.recovery.data_destroyed

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan.changes
import data.ddb_guardrails.lib.plan.tags

table_types := {"aws_dynamodb_table", "awscc_dynamodb_table", "awscc_dynamodb_global_table"}

violation contains finding if {
	some type in table_types
	some address, change in changes.destroyed(type)
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change %s the table: its items and its point-in-time backups are lost", [verb(change)]),
		array.concat([actions(change)], table_evidence(change)),
	)
}

violation contains finding if {
	some address, change in changes.destroyed("aws_kms_key")
	arn := change.before.arn
	arn in changes.table_key_arns
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change %s a key that tables use: it is scheduled for deletion, and what it encrypts becomes unreadable", [verb(change)]),
		array.concat([actions(change)], [sprintf("arn %s is the kms_key_arn of %s", [arn, concat(", ", changes.key_users(arn))])]),
	)
}

violation contains finding if {
	some address, change in changes.destroyed("aws_s3_bucket")
	change.before.tags[tags.role_key] == tags.stream_archive
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change %s the stream archive bucket: the record of deleted items goes with it", [verb(change)]),
		[actions(change), tags.evidence(tags.role_key, tags.stream_archive)],
	)
}

verb(change) := "deletes" if change.deleted

verb(change) := "replaces" if change.replaced

actions(change) := sprintf("actions = %s", [json.marshal(change.actions)])

table_evidence(change) := [sprintf("name = %v", [change.before.name])] if change.before.name

table_evidence(change) := [sprintf("table_name = %v", [change.before.table_name])] if change.before.table_name

table_evidence(change) := [] if {
	not change.before.name
	not change.before.table_name
}
