package ddb_guardrails.lib.kms_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.kms

table := {"address": "aws_dynamodb_table.t", "module": "", "config_key": "aws_dynamodb_table.t"}

verdict_kinds(verdicts) := {v.verdict | some v in verdicts}

test_known_key_values_are_judged_by_their_arn if {
	verdict_kinds(kms.verdicts(table, "k", "arn:aws:kms:eu-west-1:1:alias/aws/dynamodb", false, null)) == {"aws_managed"}
	verdict_kinds(kms.verdicts(table, "k", "arn:aws:kms:eu-west-1:1:key/abc", false, null)) == {"customer"}
	verdict_kinds(kms.verdicts(table, "k", "", false, null)) == {"aws_managed"}
	verdict_kinds(kms.verdicts(table, "k", null, false, null)) == {"aws_managed"}
}

test_an_unknown_key_without_configuration_is_unprovable if {
	verdict_kinds(kms.verdicts(table, "k", null, true, null)) == {"unprovable"}
}

test_data_source_keys_are_judged_by_the_literal_they_look_up if {
	configs := {
		"data.aws_kms_alias.managed": {"expressions": {"name": {"constant_value": "alias/aws/dynamodb"}}},
		"data.aws_kms_key.mine": {"expressions": {"key_id": {"constant_value": "arn:aws:kms:eu-west-1:1:key/abc"}}},
		"module.m.data.aws_kms_key.mine": {"expressions": {"key_id": {"constant_value": "arn:aws:kms:eu-west-1:1:key/abc"}}},
	}
	data_verdict("aws_kms_alias", "data.aws_kms_alias.managed") == "aws_managed" with data.ddb_guardrails.lib.plan.configs as configs
	data_verdict("aws_kms_key", "data.aws_kms_key.mine") == "customer" with data.ddb_guardrails.lib.plan.configs as configs
	data_verdict("aws_kms_key", "module.m[0].data.aws_kms_key.mine") == "customer" with data.ddb_guardrails.lib.plan.configs as configs
	data_verdict("aws_kms_key", "data.aws_kms_key.other") == "unprovable" with data.ddb_guardrails.lib.plan.configs as configs
}

data_verdict(type, address) := kms.source_verdict("k", {"kind": "data", "type": type, "address": address}).verdict

test_constants_and_other_resources_as_key_sources if {
	kms.source_verdict("k", {"kind": "constant", "value": "arn:aws:kms:eu-west-1:1:key/abc"}).verdict == "customer"
	kms.source_verdict("k", {"kind": "constant", "value": 42}).verdict == "unprovable"
	kms.source_verdict("k", {"kind": "constant", "value": null}).verdict == "aws_managed"
	kms.source_verdict("k", {"kind": "constant", "value": ""}).verdict == "aws_managed"
	bucket := {"aws_s3_bucket.b": {"type": "aws_s3_bucket"}}
	kms.source_verdict("k", {"kind": "resource", "address": "aws_s3_bucket.b"}).verdict == "unprovable" with data.ddb_guardrails.lib.plan.resources as bucket
}

test_imported_key_material_is_not_a_rotation_subject if {
	external := {"aws_kms_external_key.k": {"type": "aws_kms_external_key"}}
	kms.rotation_subjects("aws_kms_external_key.k") == set() with data.ddb_guardrails.lib.plan.resources as external
}

test_trail_log_keys_count_as_used if {
	fixture := fixtures.plan("enc-audit-buckets")
	resources := data.ddb_guardrails.lib.plan.resources with input as fixture
	trail := resources["aws_cloudtrail.to_valid_trail_logs"]
	patched := object.union(resources, {trail.address: object.union(trail, {"after": {"kms_key_id": "arn:aws:kms:eu-west-1:1:key/abc"}})})
	used := kms.used_keys with input as fixture with data.ddb_guardrails.lib.plan.resources as patched
	used["aws_kms_key.logs"]
}
