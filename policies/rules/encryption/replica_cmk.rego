# METADATA
# title: Every table replica is encrypted with its own customer-managed KMS key
# description: >-
#   KMS keys are regional: a global table's replica in another Region is encrypted with a key of
#   that Region. A replica {} block or aws_dynamodb_table_replica without kms_key_arn falls back to
#   the AWS-managed aws/dynamodb key there, losing key-policy control and revocation for that copy
#   of the data. The key is judged like the table's (DDB-ENC-001): a key or replica key created in
#   the plan, through module variables and outputs, or a literal ARN of an existing key. Replica
#   blocks are matched to their configuration by region_name; a block whose region is computed or
#   that comes from a dynamic block cannot be matched and gets DDB-ENC-002-UNPROVABLE, as does a
#   key ARN the plan cannot follow. The replicas of awscc_dynamodb_global_table
#   (replicas[*].sse_specification.kms_master_key_id) and of AWS::DynamoDB::GlobalTable in a
#   CloudFormation template (Replicas[*].SSESpecification.KMSMasterKeyId) are judged the same way.
#   With the Terraform source at hand (validate <dir>, --source),
#   a dynamic "replica" block whose for_each is known in source is expanded and judged like a
#   written one: terraform-aws-modules/dynamodb-table's lookup(replica.value, "kms_key_arn", null)
#   follows to the key the caller passes, and cloudposse/terraform-aws-dynamodb's replicas, which
#   always set kms_key_arn = null, are flagged (they use the AWS-managed key).
# custom:
#   id: DDB-ENC-002
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Give each replica its own regional key: replica { region_name = "<region>", kms_key_arn =
#     aws_kms_replica_key.<name>.arn } (or kms_key_arn on aws_dynamodb_table_replica), with an
#     aws_kms_replica_key of the table's multi-Region key in that Region.
#   concept: Encryption at rest (KMS)
#   example: |
#     resource "aws_kms_key" "sessions" {
#       multi_region        = true
#       enable_key_rotation = true
#     }
#
#     resource "aws_kms_replica_key" "sessions_us_east_1" {
#       provider        = aws.us_east_1
#       primary_key_arn = aws_kms_key.sessions.arn
#     }
#
#     resource "aws_dynamodb_table" "sessions" {
#       # ... server_side_encryption with aws_kms_key.sessions.arn
#       replica {
#         region_name            = "us-east-1"
#         kms_key_arn            = aws_kms_replica_key.sessions_us_east_1.arn
#         point_in_time_recovery = true
#       }
#     }
package ddb_guardrails.rules.encryption.replica_cmk

import rego.v1

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.findings

violation contains finding if {
	some table in tables.records
	some entry in table.replica_keys
	message := key_messages[entry.verdict]
	finding := findings.violation(rego.metadata.chain(), table.address, concat("", [table.subject, message]), entry.evidence)
}

violation contains finding if {
	some table in tables.records
	some entry in table.replica_keys
	entry.verdict in {"unprovable", "unreadable"}
	finding := findings.unprovable(rego.metadata.chain(), table.address, concat("", [table.subject, unprovable_message(entry)]), entry.evidence)
}

key_messages := {
	"aws_managed": "replica is encrypted with the AWS-managed key aws/dynamodb of its Region, not its own customer-managed key",
	"not_allowed": "replica is encrypted with an existing key that is not in allowed_key_arns",
}

# An aws table whose replica set is itself only known after apply, or a template that cannot be read.
unprovable_message(entry) := tables.unreadable_message("replica keys") if {
	entry.verdict == "unreadable"
} else := "the table's replicas are only known after apply, so their keys cannot be checked" if {
	entry.cause == "unknown"
} else := "the replica's key cannot be followed before apply to a customer-managed key"
