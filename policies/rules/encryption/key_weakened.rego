# METADATA
# title: A change keeps each table's encryption at least as strong as it is
# description: >-
#   A table moved from its customer-managed key to an AWS-owned key (server_side_encryption
#   enabled = false) or to the AWS-managed key (no kms_key_arn) loses the key policy that scoped who
#   can decrypt its data, the CloudTrail record of each use, and the ability to revoke access by
#   disabling the key. A table's key that is disabled (is_enabled = false) makes the table
#   inaccessible; turning its rotation off leaves one key version for good. The rule compares the
#   state the plan was made against (`before`) with the planned values: tables the plan updates, and
#   aws_kms_key resources that tables use (by kms_key_arn in the state or the plan). Values only known
#   after apply are not judged here (the table's own rules judge where its key comes from). A key the
#   plan deletes is DDB-REC-004.
# custom:
#   id: DDB-ENC-009
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Keep the table's server_side_encryption { enabled = true, kms_key_arn = <customer-managed key> },
#     and is_enabled = true and enable_key_rotation = true on its key.
#   concept: Security regressions
#   example: |
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       server_side_encryption {
#         enabled     = true
#         kms_key_arn = aws_kms_key.sessions.arn   # was this key: keep it
#       }
#     }
package ddb_guardrails.rules.encryption.key_weakened

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan.changes

sse := ["server_side_encryption", 0]

violation contains finding if {
	some address, change in changes.updated("aws_dynamodb_table")
	customer_key(change.before)
	weaker := after_key(change)
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change moves the table from its customer-managed key to %s", [weaker]),
		[
			changes.evidence(change, array.concat(sse, ["enabled"])),
			changes.evidence(change, array.concat(sse, ["kms_key_arn"])),
		],
	)
}

violation contains finding if {
	some address, change in changes.updated("aws_kms_key")
	change.before.arn in changes.table_key_arns
	some setting in key_settings
	changes.turned_off(change, [setting.attribute])
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change %s a key that tables use", [setting.verb]),
		[
			changes.evidence(change, [setting.attribute]),
			sprintf("arn %s is the kms_key_arn of %s", [change.before.arn, concat(", ", changes.key_users(change.before.arn))]),
		],
	)
}

key_settings := [
	{"attribute": "is_enabled", "verb": "disables"},
	{"attribute": "enable_key_rotation", "verb": "turns off rotation of"},
]

customer_key(values) if {
	object.get(values, array.concat(sse, ["enabled"]), false) == true
	arn := object.get(values, array.concat(sse, ["kms_key_arn"]), "")
	is_string(arn)
	arn != ""
	not kms.aws_managed(arn)
}

# What the table is encrypted with after the change, when that is known and weaker.
after_key(change) := "an AWS-owned key (server-side encryption with a customer key off)" if {
	not object.get(change.unknown, array.concat(sse, ["enabled"]), false) == true
	not changes.unknown_block(change, sse)
	not object.get(change.after, array.concat(sse, ["enabled"]), false) == true
}

after_key(change) := "the AWS-managed key (alias/aws/dynamodb)" if {
	object.get(change.after, array.concat(sse, ["enabled"]), false) == true
	not object.get(change.unknown, array.concat(sse, ["kms_key_arn"]), false) == true
	not changes.unknown_block(change, sse)
	arn := object.get(change.after, array.concat(sse, ["kms_key_arn"]), null)
	aws_managed_arn(arn)
}

aws_managed_arn(null)

aws_managed_arn("")

aws_managed_arn(arn) if kms.aws_managed(arn)
