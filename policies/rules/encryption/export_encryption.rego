# METADATA
# title: Table exports to S3 are encrypted with a customer-managed key, into a bucket that blocks public access
# description: >-
#   An export copies a whole table out of DynamoDB, out of reach of the table's key policy and IAM
#   conditions. Each aws_dynamodb_table_export must write with s3_sse_algorithm = "KMS" and an
#   s3_sse_kms_key_id that is a customer-managed key (a key of the plan, followed by reference, or a
#   literal ARN of an existing key, restricted by allowed_key_arns when set): without them the
#   export is under SSE-S3 or the AWS-managed aws/s3 key. Its s3_bucket must be a bucket of the plan
#   with an aws_s3_bucket_public_access_block that sets all four settings to true, unless the plan
#   has an aws_s3_account_public_access_block that does. A bucket, key or setting that cannot be
#   followed before apply (a local, a bucket outside the plan) gives DDB-ENC-007-UNPROVABLE. The key
#   must also keep the export from those who can read the bucket: when the bucket's policy lets a
#   principal of another account (one not among the account_ids parameter and the provider's
#   account, or anyone) s3:GetObject the export's objects and the key's policy lets that principal
#   kms:Decrypt through S3, both asked to the IAM evaluation core with its own account allowing it
#   everything, the export is readable in the clear outside the account; the witness is the read.
#   A bucket policy that cannot be read before apply is DDB-FGAC-010-UNPROVABLE, not judged here.
# custom:
#   id: DDB-ENC-007
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Set s3_sse_algorithm = "KMS" and s3_sse_kms_key_id = aws_kms_key.<name>.arn on the export, and
#     give its bucket an aws_s3_bucket_public_access_block with all four settings true.
#   concept: Encryption at rest (KMS)
#   example: |
#     resource "aws_dynamodb_table_export" "sessions" {
#       table_arn         = aws_dynamodb_table.sessions.arn
#       s3_bucket         = aws_s3_bucket.exports.id
#       s3_sse_algorithm  = "KMS"
#       s3_sse_kms_key_id = aws_kms_key.exports.arn
#     }
#
#     resource "aws_s3_bucket_public_access_block" "exports" {
#       bucket                  = aws_s3_bucket.exports.id
#       block_public_acls       = true
#       block_public_policy     = true
#       ignore_public_acls      = true
#       restrict_public_buckets = true
#     }
package ddb_guardrails.rules.encryption.export_encryption

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam.readers
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.s3

block_type := "aws_s3_bucket_public_access_block"

block_settings := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

exports := plan.of_type("aws_dynamodb_table_export")

violation contains finding if {
	some address, export in exports
	not export.unknown.s3_sse_algorithm == true
	algorithm := object.get(export.after, "s3_sse_algorithm", null)
	algorithm != "KMS"
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"the export is not encrypted with a KMS key (s3_sse_algorithm is not \"KMS\")",
		[sprintf("s3_sse_algorithm = %v", [json.marshal(algorithm)])],
	)
}

violation contains finding if {
	some address, export in exports
	export.unknown.s3_sse_algorithm == true
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"s3_sse_algorithm is only known after apply",
		references.unknown_chain(export, ["s3_sse_algorithm"], "s3_sse_algorithm"),
	)
}

violation contains finding if {
	some address, export in exports
	export.after.s3_sse_algorithm == "KMS"
	some verdict in key_verdicts(export)
	verdict.verdict in {"aws_managed", "not_allowed"}
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"the export is encrypted with the AWS-managed aws/s3 key (or a key outside allowed_key_arns), not a customer-managed key",
		[verdict.evidence],
	)
}

violation contains finding if {
	some address, export in exports
	export.after.s3_sse_algorithm == "KMS"
	some verdict in key_verdicts(export)
	verdict.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"s3_sse_kms_key_id cannot be followed before apply to a customer-managed key",
		[verdict.evidence],
	)
}

violation contains finding if {
	some address, export in exports
	not account_blocks_public_access
	some bucket in s3.pointed_buckets(export, ["s3_bucket"])
	gaps := bucket_gaps(bucket)
	count(gaps) > 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the export's bucket %s does not block public access", [bucket]),
		sort(gaps),
	)
}

violation contains finding if {
	some address, export in exports
	not account_blocks_public_access
	some evidence in unfollowed_bucket(export)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"the export's bucket cannot be followed to a bucket of the plan, so its public access block cannot be checked",
		[evidence],
	)
}

# Encryption that another account can undo: the bucket's policy lets it read the export's objects and
# the export's key lets it decrypt them.
violation contains finding if {
	some address, export in exports
	export.after.s3_sse_algorithm == "KMS"
	some verdict in key_verdicts(export)
	verdict.verdict == "customer"
	some bucket in s3.pointed_buckets(export, ["s3_bucket"])
	some reader in readers.outside_readers(
		plan.resources[bucket],
		readers.bucket_documents(bucket),
		"s3:GetObject",
		sprintf("arn:aws:s3:::%s/AWSDynamoDB/any-export/data/any.json.gz", [bucket_name(bucket)]),
		verdict.key,
		"s3",
	)
	finding := findings.witnessed(
		rego.metadata.chain(),
		address,
		sprintf("account %s can read the export: the policy of its bucket %s lets it get the objects and its key %s lets it decrypt them", [
			reader.principal.account, bucket, verdict.key,
		]),
		[
			verdict.evidence,
			sprintf("%s allows s3:GetObject to %s", [concat(", ", sort({d.holder | some d in readers.bucket_documents(bucket)})), reader.principal.arn]),
			sprintf("%s key policy allows kms:Decrypt through s3 to %s", [verdict.key, reader.principal.arn]),
		],
		reader.read,
	)
}

bucket_name(bucket) := name if {
	name := plan.resources[bucket].after.bucket
	is_string(name)
} else := "any-bucket"

key_verdicts(export) := kms.verdicts(
	export,
	"s3_sse_kms_key_id",
	object.get(export.after, "s3_sse_kms_key_id", null),
	object.get(export.unknown, "s3_sse_kms_key_id", false),
	plan.expression(export, ["s3_sse_kms_key_id"]),
)

unfollowed_bucket(export) := s3.unresolved_pointers(export, ["s3_bucket"]) | {sprintf("s3_bucket = %s (not a bucket of this plan)", [json.marshal(name)]) |
	name := export.after.s3_bucket
	is_string(name)
	count(s3.pointed_buckets(export, ["s3_bucket"])) == 0
}

# What keeps a bucket from blocking public access; empty when it does.
bucket_gaps(bucket) := {sprintf("no %s for %s", [block_type, bucket])} if {
	count(s3.attached(block_type, bucket)) == 0
} else := {sprintf("%s.%s = %v", [block, setting, value]) |
	some block in s3.attached(block_type, bucket)
	some setting in block_settings
	value := object.get(plan.resources[block].after, setting, null)
	value != true
}

account_blocks_public_access if {
	some block in plan.of_type("aws_s3_account_public_access_block")
	every setting in block_settings {
		block.after[setting] == true
	}
}
