# METADATA
# title: DynamoDB tables are encrypted with a customer-managed KMS key
# description: >-
#   Without a server_side_encryption block a table uses an AWS-owned key; with one but no
#   kms_key_arn (or the aws/dynamodb alias) it uses the AWS-managed key. Neither gives you key
#   policy control, usage visibility per key in CloudTrail, or the ability to revoke access to
#   the data by disabling the key. A key ARN that is unknown because the key is created in the
#   same plan is followed through the configuration to that key.
# custom:
#   id: DDB-ENC-001
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Add server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<name>.arn } with a
#     customer-managed key that has rotation on (the SecureTable construct does this by default).
#   concept: Encryption at rest (KMS)
package ddb_guardrails.rules.encryption.table_cmk

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

key_path := ["server_side_encryption", 0, "kms_key_arn"]

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	not encryption_block_unknown(table)
	not sse_enabled(table)
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
		["server_side_encryption: no block in the configuration (a dynamic block cannot be verified before apply)"],
	)
}

violation contains finding if {
	some [address, evidence] in aws_managed_keys
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"table is encrypted with the AWS-managed key aws/dynamodb, not a customer-managed key",
		[evidence],
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
	some address, table in encrypted_tables
	table.unknown.server_side_encryption[0].kms_key_arn == true
	some source in references.sources(table, key_path)
	unprovable_source(source)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("kms_key_arn cannot be followed before apply: %s", [describe(source)]),
		[sprintf("server_side_encryption[0].kms_key_arn <- %s", [describe(source)])],
	)
}

encryption_block_unknown(table) if table.unknown.server_side_encryption == true

sse_enabled(table) if table.after.server_side_encryption[0].enabled == true

encrypted_tables := {address: table |
	some address, table in plan.of_type("aws_dynamodb_table")
	sse_enabled(table)
}

# [address, evidence] of tables with SSE on but the AWS-managed key.
# A known key ARN that names the AWS-managed key:
aws_managed_keys contains [address, sprintf("server_side_encryption[0].kms_key_arn = \"%s\"", [arn])] if {
	some address, table in encrypted_tables
	arn := table.after.server_side_encryption[0].kms_key_arn
	is_string(arn)
	aws_managed(arn)
}

# Unknown only because the provider computes it: no kms_key_arn in the configuration at all.
aws_managed_keys contains [address, "server_side_encryption[0].kms_key_arn: not set (AWS-managed key)"] if {
	some address, table in encrypted_tables
	table.unknown.server_side_encryption[0].kms_key_arn == true
	plan.config(table)
	count(references.sources(table, key_path)) == 0
}

aws_managed_keys contains [address, sprintf("server_side_encryption[0].kms_key_arn <- %s", [describe(source)])] if {
	some address, table in encrypted_tables
	table.unknown.server_side_encryption[0].kms_key_arn == true
	some source in references.sources(table, key_path)
	source_is_aws_managed(source)
}

aws_managed(arn) if arn == ""

aws_managed(arn) if contains(arn, "alias/aws/")

source_is_aws_managed(source) if {
	source.kind == "constant"
	aws_managed(source.value)
}

source_is_aws_managed(source) if {
	source.kind == "data"
	aws_managed(data_source_key_name(source))
}

# A customer-managed key created in the plan, or a key of a known, customer-managed ARN or alias.
customer_key_types := {"aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key", "aws_kms_replica_external_key", "aws_kms_alias"}

unprovable_source(source) if source.kind == "unresolved"

unprovable_source(source) if {
	source.kind == "resource"
	not plan.resources[source.address].type in customer_key_types
}

unprovable_source(source) if {
	source.kind == "data"
	not data_source_key_name(source)
}

unprovable_source(source) if {
	source.kind == "constant"
	not is_string(source.value)
}

# The key id or alias name a KMS data source looks up, when written as a literal.
data_source_key_name(source) := name if {
	source.type in {"aws_kms_alias", "aws_kms_key"}
	config := plan.configs[source.address]
	some attribute in ["name", "key_id"]
	name := config.expressions[attribute].constant_value
}

describe(source) := sprintf("%s (created in this plan)", [source.address]) if source.kind == "resource"

describe(source) := sprintf("%s (data source)", [source.address]) if source.kind == "data"

describe(source) := sprintf("\"%s\"", [source.value]) if source.kind == "constant"

describe(source) := sprintf("%s (not resolvable from the plan)", [source.reference]) if source.kind == "unresolved"
