# METADATA
# title: Stream archive buckets are write-once (S3 Object Lock in compliance mode)
# description: >-
#   The archive of a table's stream is the audit trail of its data changes (deletes, TTL expiries,
#   privilege changes); whoever can rewrite or delete it can erase their tracks. The rule judges
#   the buckets tagged ddb-guardrails:role = stream-archive (the StreamArchive construct sets the
#   tag; an untagged bucket is not recognised as an archive). Each needs object_lock_enabled = true
#   (only possible when the bucket is created) and an aws_s3_bucket_object_lock_configuration,
#   attached by reference or bucket name, whose default retention is in COMPLIANCE mode (GOVERNANCE
#   retention can be lifted by anyone with s3:BypassGovernanceRetention). A setting only known
#   after apply, or a lock configuration whose bucket cannot be followed, gives
#   DDB-AUD-002-UNPROVABLE. The deprecated inline object_lock_configuration block of aws_s3_bucket
#   is not read.
# custom:
#   id: DDB-AUD-002
#   guardrail: audit
#   severity: high
#   remediation: >-
#     Create the bucket with object_lock_enabled = true and add an
#     aws_s3_bucket_object_lock_configuration with rule { default_retention { mode = "COMPLIANCE",
#     days = <retention> } } (the StreamArchive construct does this).
#   concept: Streams and event-driven security
#   example: |
#     resource "aws_s3_bucket" "archive" {
#       bucket              = "sessions-stream-archive"
#       object_lock_enabled = true
#       tags = {
#         "ddb-guardrails:role" = "stream-archive"
#       }
#     }
#
#     resource "aws_s3_bucket_object_lock_configuration" "archive" {
#       bucket = aws_s3_bucket.archive.id
#
#       rule {
#         default_retention {
#           mode = "COMPLIANCE"
#           days = 365
#         }
#       }
#     }
package ddb_guardrails.rules.audit.archive_object_lock

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.tags
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.s3

config_type := "aws_s3_bucket_object_lock_configuration"

mode_path := ["rule", 0, "default_retention", 0, "mode"]

tag_evidence := tags.evidence(tags.role_key, tags.stream_archive)

violation contains finding if {
	some address, bucket in s3.archive_buckets
	not bucket.unknown.object_lock_enabled == true
	not bucket.after.object_lock_enabled == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"stream archive bucket does not have Object Lock enabled (it can only be enabled when the bucket is created)",
		[tag_evidence, sprintf("object_lock_enabled = %v", [object.get(bucket.after, "object_lock_enabled", null)])],
	)
}

violation contains finding if {
	some address, bucket in s3.archive_buckets
	bucket.unknown.object_lock_enabled == true
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"object_lock_enabled is only known after apply",
		array.concat([tag_evidence], references.unknown_chain(bucket, ["object_lock_enabled"], "object_lock_enabled")),
	)
}

violation contains finding if {
	count(s3.unattached(config_type)) == 0
	some address, _ in s3.archive_buckets
	count(s3.attached(config_type, address)) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"stream archive bucket has no Object Lock default retention, so archived records can be deleted",
		[tag_evidence, sprintf("no %s for this bucket", [config_type])],
	)
}

violation contains finding if {
	some address, _ in s3.archive_buckets
	count(s3.attached(config_type, address)) == 0
	some config, evidence in s3.unattached(config_type)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("no Object Lock configuration is known to belong to this bucket, and %s's bucket cannot be followed", [config]),
		[tag_evidence, sprintf("%s.%s", [config, evidence])],
	)
}

violation contains finding if {
	some address, _ in s3.archive_buckets
	some config in s3.attached(config_type, address)
	resource := plan.resources[config]
	not object.get(resource.unknown, mode_path, false) == true
	mode := object.get(resource.after, mode_path, null)
	mode != "COMPLIANCE"
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("stream archive bucket's default retention is %v, not COMPLIANCE mode", [mode]),
		[tag_evidence, sprintf("%s.rule[0].default_retention[0].mode = %v", [config, mode])],
	)
}

violation contains finding if {
	some address, _ in s3.archive_buckets
	some config in s3.attached(config_type, address)
	resource := plan.resources[config]
	object.get(resource.unknown, mode_path, false) == true
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"the Object Lock retention mode is only known after apply",
		array.concat([tag_evidence], references.unknown_chain(resource, mode_path, sprintf("%s.rule[0].default_retention[0].mode", [config]))),
	)
}
