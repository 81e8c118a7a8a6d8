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
#   same way (lib/tables.rego): awscc_dynamodb_table (sse_specification { sse_enabled,
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

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.source
import data.ddb_guardrails.lib.tables

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	not encryption_block_unknown(table)
	not table.after.server_side_encryption[0].enabled == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"table is encrypted with an AWS-owned key (server_side_encryption is not enabled)",
		["server_side_encryption[0].enabled: not true"],
	)
}

# The provider computes the block when the configuration has none. A dynamic block is not in the
# configuration either; it is judged as absent, since its content cannot be seen before apply.
violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	encryption_block_unknown(table)
	plan.config(table)
	plan.expression(table, ["server_side_encryption"]) == null
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"table is encrypted with an AWS-owned key (no server_side_encryption block)",
		[source.missing_block(table, "server_side_encryption")],
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	encryption_block_unknown(table)
	not plan.expression(table, ["server_side_encryption"]) == null
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"server_side_encryption is only known after apply, so the key cannot be checked",
		["server_side_encryption: (known after apply)"],
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	some verdict in kms.table_key_verdicts(table)
	verdict.verdict == "aws_managed"
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"table is encrypted with the AWS-managed key aws/dynamodb, not a customer-managed key",
		[verdict.evidence],
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	some verdict in kms.table_key_verdicts(table)
	verdict.verdict == "not_allowed"
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"table is encrypted with an existing key that is not in allowed_key_arns",
		[verdict.evidence],
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	some verdict in kms.table_key_verdicts(table)
	verdict.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"kms_key_arn cannot be followed before apply to a customer-managed key",
		[verdict.evidence],
	)
}

# Tables of the AWS Cloud Control provider and of CloudFormation templates (lib/tables.rego).
violation contains finding if {
	some entry in tables.table_keys
	message := key_messages[entry.verdict]
	finding := findings.violation(rego.metadata.chain(), entry.address, concat("", [entry.subject, message]), entry.evidence)
}

violation contains finding if {
	some entry in tables.table_keys
	entry.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		entry.address,
		concat("", [entry.subject, "the table's encryption or key cannot be followed before apply to a customer-managed key"]),
		entry.evidence,
	)
}

violation contains finding if {
	some stack in tables.unreadable
	finding := findings.unprovable(
		rego.metadata.chain(),
		stack.address,
		"the stack's template cannot be read, so the encryption of the tables it declares cannot be checked",
		stack.evidence,
	)
}

key_messages := {
	"owned": "table is encrypted with an AWS-owned key (server-side encryption with KMS is not enabled)",
	"aws_managed": "table is encrypted with the AWS-managed key aws/dynamodb, not a customer-managed key",
	"not_allowed": "table is encrypted with an existing key that is not in allowed_key_arns",
}

encryption_block_unknown(table) if table.unknown.server_side_encryption == true
