# METADATA
# title: Customer-managed keys that protect DynamoDB data rotate automatically
# description: >-
#   A key that never rotates keeps one key material for all data it ever encrypted. The rule
#   judges the aws_kms_key resources of the plan that protect the data the guardrails cover: the
#   keys of tables and their replicas, of the audit and archive buckets, and of CloudTrail logs,
#   directly, through an aws_kms_alias, or as the multi-Region primary of an aws_kms_replica_key
#   (replica keys inherit rotation from their primary). Keys nothing guarded uses are not judged,
#   so that a plan's unrelated keys (e.g. asymmetric signing keys, which cannot rotate) do not
#   raise findings; imported key material (aws_kms_external_key) cannot be rotated by KMS and is
#   not judged either. The violation is reported on the aws_kms_key. When enable_key_rotation is
#   only known after apply, the key gets DDB-ENC-003-UNPROVABLE. Keys outside the plan (literal
#   ARNs) are not visible to the plan and are not judged.
# custom:
#   id: DDB-ENC-003
#   guardrail: encryption
#   severity: medium
#   remediation: >-
#     Set enable_key_rotation = true on the aws_kms_key (optionally rotation_period_in_days); for a
#     replica key, on its multi-Region primary.
#   concept: Encryption at rest (KMS)
#   example: |
#     resource "aws_kms_key" "sessions" {
#       description             = "sessions table"
#       enable_key_rotation     = true
#       rotation_period_in_days = 365
#     }
package ddb_guardrails.rules.encryption.key_rotation

import rego.v1

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

violation contains finding if {
	some address, uses in used_keys
	key := plan.resources[address]
	not key.unknown.enable_key_rotation == true
	not key.after.enable_key_rotation == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"customer-managed key that protects DynamoDB data does not rotate",
		array.concat([sprintf("enable_key_rotation = %v", [object.get(key.after, "enable_key_rotation", null)])], sort(uses)),
	)
}

violation contains finding if {
	some address, uses in used_keys
	plan.resources[address].unknown.enable_key_rotation == true
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"enable_key_rotation is only known after apply",
		array.concat(references.unknown_chain(plan.resources[address], ["enable_key_rotation"], "enable_key_rotation"), sort(uses)),
	)
}

# The keys of aws tables, buckets and trails (lib/kms/kms.rego) and of awscc tables (lib/dynamodb).
used_keys[address] contains use if {
	some address, uses in kms.used_keys
	some use in uses
}

used_keys[address] contains use if {
	some address, uses in tables.used_keys
	some use in uses
}
