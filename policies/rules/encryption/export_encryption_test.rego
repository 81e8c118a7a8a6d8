package ddb_guardrails.rules.encryption.export_encryption_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/export_encryption"

test_exports_without_kms_a_customer_key_or_a_closed_bucket_are_flagged if {
	fixtures.findings_for(subject, "enc-exports-streams") == {
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
	fixtures.pairs(fixtures.violations(subject, export_plan(after, {}, {}, [account_block]))) == set()
}

test_settings_known_only_after_apply_are_unprovable if {
	after := {"s3_bucket": "existing"}
	unknown := {"s3_sse_algorithm": true}
	expressions := {"s3_sse_algorithm": {"references": ["local.algorithm"]}}
	found := fixtures.violations(subject, export_plan(after, unknown, expressions, [account_block]))
	{[f.rule, f.evidence[0]] | some f in found} == {[
		"DDB-ENC-007-UNPROVABLE",
		"s3_sse_algorithm: (known after apply) <- local.algorithm (not resolvable from the plan)",
	]}
}

test_a_key_known_only_after_apply_is_unprovable if {
	after := {"s3_bucket": "existing", "s3_sse_algorithm": "KMS"}
	unknown := {"s3_sse_kms_key_id": true}
	expressions := {"s3_sse_kms_key_id": {"references": ["local.key"]}}
	found := fixtures.violations(subject, export_plan(after, unknown, expressions, [account_block]))
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-ENC-007-UNPROVABLE", "s3_sse_kms_key_id <- local.key (not resolvable from the plan)"]}
}

this_account := {"account_ids": ["111122223333"]}

# iam-07-exfiltration with one key's policy replaced.
with_key_policy(key, policy) := json.patch(plan, [{"op": "replace", "path": sprintf("/resource_changes/%d/change/after/policy", [i]), "value": policy}]) if {
	plan := fixtures.plan("iam-07-exfiltration")
	some i, change in plan.resource_changes
	change.address == key
}

owner_only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`

test_an_export_another_account_can_read_and_decrypt_is_flagged_with_its_read if {
	found := fixtures.violations(subject, fixtures.plan("iam-07-exfiltration"))
		with data.ddb_guardrails_config.parameters as this_account
	fixtures.pairs(found) == {["aws_dynamodb_table_export.invalid_export_partner_readable", "DDB-ENC-007"]}
	some f in found
	f.witness == {
		"principal": {"arn": "arn:aws:iam::444455556666:role/ddb-guardrails-caller", "account": "444455556666", "type": "AWS", "tags": {}},
		"action": "s3:GetObject",
		"resource": "arn:aws:s3:::sessions-exports-111122223333/AWSDynamoDB/any-export/data/any.json.gz",
		"context": {"aws:SecureTransport": "true"},
	}
	f.evidence[2] == "aws_kms_key.exports key policy allows kms:Decrypt through s3 to arn:aws:iam::444455556666:role/ddb-guardrails-caller"
}

test_an_export_the_reader_cannot_decrypt_passes if {
	found := fixtures.violations(subject, with_key_policy("aws_kms_key.exports", owner_only))
		with data.ddb_guardrails_config.parameters as this_account
	found == set()
}

# Whether 444455556666 is another account is DDB-FGAC-010-UNPROVABLE's question then.
test_without_the_plans_account_a_named_reader_is_not_judged_here if {
	found := fixtures.violations(subject, fixtures.plan("iam-07-exfiltration"))
	found == set()
}

# The bucket policy and the key open to anyone: a principal of an account no configuration names
# reads the export, whichever account is this one.
test_an_export_anyone_can_read_and_decrypt_is_flagged_without_the_plans_account if {
	plan := fixtures.plan("iam-07-exfiltration")
	some b, bucket_document in plan.resource_changes
	bucket_document.address == "data.aws_iam_policy_document.exports"
	some k, key in plan.resource_changes
	key.address == "aws_kms_key.exports"
	patched := json.patch(plan, [
		{"op": "replace", "path": sprintf("/resource_changes/%d/change/after/statement/0/principals/0/identifiers", [b]), "value": ["*"]},
		{"op": "replace", "path": sprintf("/resource_changes/%d/change/after/policy", [k]), "value": anyone_decrypts},
	])
	found := fixtures.violations(subject, patched)
	{[f.address, f.witness.principal.account, f.witness.resource] | some f in found} == {[
		"aws_dynamodb_table_export.invalid_export_partner_readable",
		"999999999999",
		"arn:aws:s3:::sessions-exports-111122223333/AWSDynamoDB/any-export/data/any.json.gz",
	]}
}

anyone_decrypts := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`
