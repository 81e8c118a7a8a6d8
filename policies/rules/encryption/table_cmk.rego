# METADATA
# title: DynamoDB tables are encrypted with a customer-managed KMS key
# description: >-
#   Without a server_side_encryption block a table uses an AWS-owned key; with one but no
#   kms_key_arn (or the aws/dynamodb alias) it uses the AWS-managed key. Neither gives you key
#   policy control, usage visibility per key in CloudTrail, or the ability to revoke access to
#   the data by disabling the key. A key ARN that is unknown because the key is created in the
#   same plan is followed through the configuration (module variables and outputs, for_each and
#   count instances) to that key; alternatives the plan does not create are not candidates (a
#   module output try(aws_kms_key.this[0].arn, aws_kms_external_key.this[0].arn, ...) is the key
#   that exists); a literal ARN of an existing key is accepted (only those listed
#   in the allowed_key_arns parameter, when it is set). When the ARN comes from something the plan
#   does not carry (a local, a data source looked up by a computed name, a resource outside the
#   plan) or the whole encryption block is only known after apply, the table gets
#   DDB-ENC-001-UNPROVABLE. A dynamic server_side_encryption block is not in the plan's
#   configuration and is judged as absent. Tables created outside the aws provider are judged the
#   same way (lib/dynamodb): awscc_dynamodb_table (sse_specification { sse_enabled,
#   kms_master_key_id }) and AWS::DynamoDB::Table in the template_body of an aws_cloudformation_stack
#   (SSESpecification; without it, or with SSEEnabled false, the table has an AWS-owned key); a
#   template key referenced with Ref or Fn::GetAtt is customer-managed; a Ref to a parameter is
#   the stack's value for it (followed to the key of the plan when known only after apply, per key
#   with the source, else through the references of the whole parameters map), or its Default
#   when the stack does not set it. A template the plan does not
#   carry in readable form (template_url, a body known only after apply, a tag CloudFormation does
#   not define, a Transform, a nested stack) gets DDB-ENC-001-UNPROVABLE on the stack. An
#   aws_cloudcontrolapi_resource of type AWS::DynamoDB::Table is read from its desired_state like a
#   template's table; a type_name or desired_state known only after apply is unprovable.
#   With the Terraform source at hand (validate <dir>,
#   --source), locals and module variable defaults are followed too. Public modules can default to
#   the AWS-owned key: terraform-aws-modules/dynamodb-table (v4) has
#   server_side_encryption_enabled = false unless the caller sets it; cloudposse/terraform-aws-dynamodb
#   (v0.37) has enable_encryption = true with no key, the AWS-managed key unless the caller sets
#   server_side_encryption_kms_key_arn.
# custom:
#   id: DDB-ENC-001
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Add server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<name>.arn } with a
#     customer-managed key that has rotation on (the SecureTable construct does this by default).
#   concept: Encryption at rest (KMS)
#   example: |
#     resource "aws_kms_key" "sessions" {
#       description         = "sessions table"
#       enable_key_rotation = true
#     }
#
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       server_side_encryption {
#         enabled     = true
#         kms_key_arn = aws_kms_key.sessions.arn
#       }
#     }
package ddb_guardrails.rules.encryption.table_cmk

import rego.v1

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.findings

violation contains finding if {
	some table in tables.records
	some entry in table.encryption
	message := key_message(entry)
	finding := findings.violation(rego.metadata.chain(), table.address, concat("", [table.subject, message]), entry.evidence)
}

violation contains finding if {
	some table in tables.records
	some entry in table.encryption
	entry.verdict in {"unprovable", "unreadable"}
	finding := findings.unprovable(rego.metadata.chain(), table.address, concat("", [table.subject, unprovable_message(entry)]), entry.evidence)
}

key_message(entry) := concat("", ["table is encrypted with an AWS-owned key (", owned_reason(entry), ")"]) if entry.verdict == "owned"

key_message(entry) := "table is encrypted with the AWS-managed key aws/dynamodb, not a customer-managed key" if {
	entry.verdict == "aws_managed"
}

key_message(entry) := "table is encrypted with an existing key that is not in allowed_key_arns" if entry.verdict == "not_allowed"

# The aws provider's messages name its attributes.
owned_reason(entry) := concat("", ["no ", entry.attribute, " block"]) if {
	entry.cause == "absent"
} else := concat("", [entry.attribute, " is not enabled"]) if {
	entry.attribute
} else := "server-side encryption with KMS is not enabled"

unprovable_message(entry) := tables.unreadable_message("encryption") if {
	entry.verdict == "unreadable"
} else := concat("", [entry.attribute, " is only known after apply, so the key cannot be checked"]) if {
	entry.cause == "unknown"
} else := concat("", [
	object.get(entry, "attribute", "the table's encryption or key"),
	" cannot be followed before apply to a customer-managed key",
])
