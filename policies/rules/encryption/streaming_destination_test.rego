package ddb_guardrails.rules.encryption.streaming_destination_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/streaming_destination"

test_destinations_on_unencrypted_or_aws_managed_streams_are_flagged if {
	fixtures.findings_for(subject, "enc-exports-streams") == {
		["aws_dynamodb_kinesis_streaming_destination.invalid_destination_unencrypted_stream", "DDB-ENC-008"],
		["aws_dynamodb_kinesis_streaming_destination.invalid_destination_aws_managed_key", "DDB-ENC-008"],
		["aws_dynamodb_kinesis_streaming_destination.unprovable_destination_stream_outside_plan", "DDB-ENC-008-UNPROVABLE"],
	}
}

# A destination on one stream, the stream's settings as given.
stream_plan(after, unknown, expressions) := {
	"resource_changes": [
		{
			"address": "aws_kinesis_stream.s",
			"mode": "managed",
			"type": "aws_kinesis_stream",
			"name": "s",
			"change": {"actions": ["create"], "after": after, "after_unknown": object.union(unknown, {"arn": true})},
		},
		{
			"address": "aws_dynamodb_kinesis_streaming_destination.d",
			"mode": "managed",
			"type": "aws_dynamodb_kinesis_streaming_destination",
			"name": "d",
			"change": {"actions": ["create"], "after": {}, "after_unknown": {"stream_arn": true}},
		},
	],
	"configuration": {"root_module": {"resources": [
		{"address": "aws_kinesis_stream.s", "expressions": expressions},
		{
			"address": "aws_dynamodb_kinesis_streaming_destination.d",
			"expressions": {"stream_arn": {"references": ["aws_kinesis_stream.s.arn", "aws_kinesis_stream.s"]}},
		},
	]}},
}

test_an_encryption_known_only_after_apply_is_unprovable if {
	found := fixtures.violations(subject, stream_plan({}, {"encryption_type": true}, {"encryption_type": {"references": ["local.type"]}}))
	{[f.rule, f.evidence[0]] | some f in found} == {[
		"DDB-ENC-008-UNPROVABLE",
		"aws_kinesis_stream.s.encryption_type: (known after apply) <- local.type (not resolvable from the plan)",
	]}
}

test_a_stream_key_that_cannot_be_followed_is_unprovable if {
	found := fixtures.violations(subject, stream_plan({"encryption_type": "KMS"}, {"kms_key_id": true}, {"kms_key_id": {"references": ["local.key"]}}))
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-ENC-008-UNPROVABLE", "aws_kinesis_stream.s.kms_key_id <- local.key (not resolvable from the plan)"]}
}

test_a_stream_with_a_customer_key_passes if {
	plan := stream_plan({"encryption_type": "KMS", "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k"}, {}, {})
	fixtures.violations(subject, plan) == set()
}

this_account := {"account_ids": ["111122223333"]}

with_key_policy(key, policy) := json.patch(plan, [{"op": "replace", "path": sprintf("/resource_changes/%d/change/after/policy", [i]), "value": policy}]) if {
	plan := fixtures.plan("iam-07-exfiltration")
	some i, change in plan.resource_changes
	change.address == key
}

owner_only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`

test_a_stream_another_account_can_read_and_decrypt_is_flagged_with_its_read if {
	found := fixtures.violations(subject, fixtures.plan("iam-07-exfiltration"))
		with data.ddb_guardrails_config.parameters as this_account
	fixtures.pairs(found) == {["aws_dynamodb_kinesis_streaming_destination.invalid_stream_partner_readable", "DDB-ENC-008"]}
	some f in found
	f.witness == {
		"principal": {"arn": "arn:aws:iam::444455556666:role/ddb-guardrails-caller", "account": "444455556666", "type": "AWS", "tags": {}},
		"action": "kinesis:GetRecords",
		"resource": "arn:aws:kinesis:eu-west-1:111122223333:stream/sessions-changes",
		"context": {"aws:SecureTransport": "true"},
	}
}

test_a_stream_the_reader_cannot_decrypt_passes if {
	found := fixtures.violations(subject, with_key_policy("aws_kms_key.changes", owner_only))
		with data.ddb_guardrails_config.parameters as this_account
	found == set()
}
