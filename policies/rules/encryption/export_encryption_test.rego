package ddb_guardrails.rules.encryption.export_encryption_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.encryption.export_encryption as rule

findings_for(plan) := fixtures.pairs(found) if {
	found := rule.violation with input as plan
}

test_exports_without_kms_a_customer_key_or_a_closed_bucket_are_flagged if {
	findings_for(fixtures.plan("enc-exports-streams")) == {
		["aws_dynamodb_table_export.invalid_export_sse_s3", "DDB-ENC-007"],
		["aws_dynamodb_table_export.invalid_export_aws_managed_key", "DDB-ENC-007"],
		["aws_dynamodb_table_export.invalid_export_open_bucket", "DDB-ENC-007"],
		["aws_dynamodb_table_export.invalid_export_half_open_bucket", "DDB-ENC-007"],
		["aws_dynamodb_table_export.unprovable_export_bucket_outside_plan", "DDB-ENC-007-UNPROVABLE"],
	}
}

# One export, its settings as given (after, after_unknown, configuration expressions).
export_plan(after, unknown, expressions, extra) := {
	"resource_changes": array.concat(
		[{
			"address": "aws_dynamodb_table_export.e",
			"mode": "managed",
			"type": "aws_dynamodb_table_export",
			"name": "e",
			"change": {"actions": ["create"], "after": after, "after_unknown": unknown},
		}],
		extra,
	),
	"configuration": {"root_module": {"resources": [{"address": "aws_dynamodb_table_export.e", "expressions": expressions}]}},
}

account_block := {
	"address": "aws_s3_account_public_access_block.a",
	"mode": "managed",
	"type": "aws_s3_account_public_access_block",
	"name": "a",
	"change": {"actions": ["create"], "after": {
		"block_public_acls": true, "block_public_policy": true,
		"ignore_public_acls": true, "restrict_public_buckets": true,
	}},
}

test_an_account_public_access_block_covers_every_bucket if {
	after := {"s3_bucket": "existing", "s3_sse_algorithm": "KMS", "s3_sse_kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k"}
	findings_for(export_plan(after, {}, {}, [account_block])) == set()
}

test_settings_known_only_after_apply_are_unprovable if {
	after := {"s3_bucket": "existing"}
	unknown := {"s3_sse_algorithm": true}
	expressions := {"s3_sse_algorithm": {"references": ["local.algorithm"]}}
	found := rule.violation with input as export_plan(after, unknown, expressions, [account_block])
	{[f.rule, f.evidence[0]] | some f in found} == {[
		"DDB-ENC-007-UNPROVABLE",
		"s3_sse_algorithm: (known after apply) <- local.algorithm (not resolvable from the plan)",
	]}
}

test_a_key_known_only_after_apply_is_unprovable if {
	after := {"s3_bucket": "existing", "s3_sse_algorithm": "KMS"}
	unknown := {"s3_sse_kms_key_id": true}
	expressions := {"s3_sse_kms_key_id": {"references": ["local.key"]}}
	found := rule.violation with input as export_plan(after, unknown, expressions, [account_block])
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-ENC-007-UNPROVABLE", "s3_sse_kms_key_id <- local.key (not resolvable from the plan)"]}
}
