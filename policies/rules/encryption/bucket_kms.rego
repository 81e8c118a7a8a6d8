# METADATA
# title: Audit and archive buckets are encrypted with a customer-managed KMS key
# description: >-
#   CloudTrail logs of DynamoDB data events and the archive of a table's stream hold the same
#   data, and the record of who touched it. Under SSE-S3 (AES256) or the AWS-managed aws/s3 key,
#   anyone who can read the bucket can read them; under a customer-managed key, decryption is a
#   separate, logged permission. The rule judges the buckets CloudTrail delivers to (s3_bucket_name,
#   by reference or by the literal bucket name) and the buckets tagged ddb-guardrails:role =
#   stream-archive or audit-log; other buckets are not judged. Encryption is read from the
#   aws_s3_bucket_server_side_encryption_configuration attached to the bucket (by reference or
#   name); sse_algorithm must be aws:kms or aws:kms:dsse with a customer-managed key (judged as in
#   DDB-ENC-001). When a trail's bucket, an encryption configuration's bucket, or the key cannot be
#   followed before apply, the rule reports DDB-ENC-005-UNPROVABLE instead of guessing. Buckets
#   outside the plan are not visible and are not judged. The deprecated inline
#   server_side_encryption_configuration block of aws_s3_bucket is not read.
# custom:
#   id: DDB-ENC-005
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Add an aws_s3_bucket_server_side_encryption_configuration for the bucket with
#     apply_server_side_encryption_by_default { sse_algorithm = "aws:kms", kms_master_key_id =
#     aws_kms_key.<name>.arn } (the AuditTrail and StreamArchive constructs do this).
#   concept: Logging and auditing
#   example: |
#     resource "aws_s3_bucket_server_side_encryption_configuration" "trail_logs" {
#       bucket = aws_s3_bucket.trail_logs.id
#
#       rule {
#         apply_server_side_encryption_by_default {
#           sse_algorithm     = "aws:kms"
#           kms_master_key_id = aws_kms_key.logs.arn
#         }
#         bucket_key_enabled = true
#       }
#     }
package ddb_guardrails.rules.encryption.bucket_kms

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.s3

config_type := "aws_s3_bucket_server_side_encryption_configuration"

kms_algorithms := {"aws:kms", "aws:kms:dsse"}

algorithm_path := ["rule", 0, "apply_server_side_encryption_by_default", 0, "sse_algorithm"]

# A guardrail bucket with no encryption configuration, when every configuration's bucket is known.
violation contains finding if {
	count(s3.unattached(config_type)) == 0
	some address, why in s3.guardrail_buckets
	count(s3.attached(config_type, address)) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"audit/archive bucket has no server-side encryption configuration with a customer-managed KMS key",
		array.concat(sort(why), [sprintf("no %s for this bucket", [config_type])]),
	)
}

violation contains finding if {
	some address, why in s3.guardrail_buckets
	count(s3.attached(config_type, address)) == 0
	some config, evidence in s3.unattached(config_type)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("no encryption configuration is known to belong to this bucket, and %s's bucket cannot be followed", [config]),
		array.concat(sort(why), [sprintf("%s.%s", [config, evidence])]),
	)
}

violation contains finding if {
	some address, why in s3.guardrail_buckets
	some config in s3.attached(config_type, address)
	resource := plan.resources[config]
	not object.get(resource.unknown, algorithm_path, false) == true
	algorithm := object.get(resource.after, algorithm_path, null)
	not algorithm in kms_algorithms
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("audit/archive bucket is encrypted with %v, not a customer-managed KMS key", [algorithm]),
		array.concat(sort(why), [sprintf("%s.rule[0].apply_server_side_encryption_by_default[0].sse_algorithm = %v", [config, algorithm])]),
	)
}

violation contains finding if {
	some address, why in s3.guardrail_buckets
	some config in s3.attached(config_type, address)
	resource := plan.resources[config]
	object.get(resource.unknown, algorithm_path, false) == true
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"the bucket's sse_algorithm is only known after apply",
		array.concat(sort(why), [sprintf("%s.rule[0].apply_server_side_encryption_by_default[0].sse_algorithm: (known after apply)", [config])]),
	)
}

violation contains finding if {
	some address, why in s3.guardrail_buckets
	some [config, verdict] in key_verdicts(address)
	verdict.verdict in {"aws_managed", "not_allowed"}
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"audit/archive bucket is encrypted with the AWS-managed aws/s3 key (or a key outside allowed_key_arns), not a customer-managed key",
		array.concat(sort(why), [sprintf("%s.%s", [config, verdict.evidence])]),
	)
}

violation contains finding if {
	some address, why in s3.guardrail_buckets
	some [config, verdict] in key_verdicts(address)
	verdict.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"the bucket's KMS key cannot be followed before apply to a customer-managed key",
		array.concat(sort(why), [sprintf("%s.%s", [config, verdict.evidence])]),
	)
}

# A trail whose bucket cannot be told: its logs' encryption cannot be judged.
violation contains finding if {
	some trail, evidence in s3.unresolved_trail_buckets
	finding := findings.unprovable(
		rego.metadata.chain(),
		trail,
		"the bucket this trail delivers to cannot be followed before apply, so its encryption cannot be checked",
		[evidence],
	)
}

# [config address, verdict] for the KMS configurations attached to a bucket.
key_verdicts(bucket) := {[config, verdict] |
	some config in s3.attached(config_type, bucket)
	resource := plan.resources[config]
	object.get(resource.after, algorithm_path, null) in kms_algorithms
	some verdict in kms.bucket_encryption_verdicts(resource)
}
