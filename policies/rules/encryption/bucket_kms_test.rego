package ddb_guardrails.rules.encryption.bucket_kms_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/bucket_kms"

test_trail_and_tagged_buckets_without_a_customer_key_are_flagged if {
	fixtures.findings_for(subject, "enc-audit-buckets") == {
		["aws_s3_bucket.invalid_trail_logs_aes256", "DDB-ENC-005"],
		["aws_s3_bucket.invalid_trail_logs_no_sse_config", "DDB-ENC-005"],
		["aws_s3_bucket.invalid_trail_logs_aws_managed_key", "DDB-ENC-005"],
		["aws_s3_bucket.invalid_archive_aes256", "DDB-ENC-005"],
	}
}

test_buckets_under_a_customer_key_and_unrelated_buckets_pass if {
	not fixtures.finding_on(subject, "enc-audit-buckets", "aws_s3_bucket.valid_trail_logs")
	not fixtures.finding_on(subject, "enc-audit-buckets", "aws_s3_bucket.valid_tagged_audit_log")
	not fixtures.finding_on(subject, "enc-audit-buckets", "aws_s3_bucket.valid_archive")
	not fixtures.finding_on(subject, "enc-audit-buckets", "aws_s3_bucket.unrelated_without_sse_config")
}

test_a_bucket_named_by_a_literal_in_the_trail_is_found if {
	fixtures.finding_on(subject, "enc-audit-buckets", "aws_s3_bucket.invalid_trail_logs_no_sse_config").evidence == [
		"s3_bucket_name of aws_cloudtrail.to_literal_bucket_name",
		"no aws_s3_bucket_server_side_encryption_configuration for this bucket",
	]
}

test_archive_buckets_of_the_archive_fixture_pass if {
	fixtures.findings_for(subject, "audit-archive") == set()
}

test_an_encryption_configuration_whose_bucket_cannot_be_followed_makes_the_bucket_unprovable if {
	findings := findings_for_patched({"aws_s3_bucket_server_side_encryption_configuration.valid_trail_logs": {"references": ["local.bucket"]}})
	["aws_s3_bucket.valid_trail_logs", "DDB-ENC-005-UNPROVABLE"] in findings
}

test_a_trail_whose_bucket_cannot_be_followed_is_unprovable if {
	trail := "aws_cloudtrail.to_valid_trail_logs"
	[trail, "DDB-ENC-005-UNPROVABLE"] in fixtures.findings_with_resource(subject, "enc-audit-buckets", trail, {"config_key": "none"})
}

test_unknown_algorithms_and_keys_are_unprovable if {
	config := "aws_s3_bucket_server_side_encryption_configuration.valid_trail_logs"
	unknown_algorithm := {"unknown": {"bucket": true, "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": true}]}]}}
	["aws_s3_bucket.valid_trail_logs", "DDB-ENC-005-UNPROVABLE"] in fixtures.findings_with_resource(subject, "enc-audit-buckets", config, unknown_algorithm)
	unknown_key := {"config_key": "none", "unknown": {"bucket": true, "rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": true}]}]}}
	["aws_s3_bucket.valid_trail_logs", "DDB-ENC-005-UNPROVABLE"] in fixtures.findings_with_resource(subject, "enc-audit-buckets", config, unknown_key)
}

# The fixture with the `bucket` expression of some encryption configurations replaced.
findings_for_patched(expressions) := fixtures.pairs(found) if {
	fixture := fixtures.plan("enc-audit-buckets")
	original := data.ddb_guardrails.lib.plan.configs with input as fixture
	configs := {key: patch(config, object.get(expressions, key, null)) | some key, config in original}
	found := fixtures.violations(subject, fixture) with data.ddb_guardrails.lib.plan.configs as configs
}

patch(config, null) := config

patch(config, expression) := object.union(config, {"expressions": object.union(config.expressions, {"bucket": expression})}) if expression != null

test_a_key_the_plan_cannot_follow_makes_the_bucket_unprovable if {
	fixture := fixtures.plan("enc-audit-buckets")
	original := data.ddb_guardrails.lib.plan.configs with input as fixture
	config := original["aws_s3_bucket_server_side_encryption_configuration.valid_trail_logs"]
	rule_block := config.expressions.rule[0]
	default_block := object.union(rule_block.apply_server_side_encryption_by_default[0], {"kms_master_key_id": {"references": ["local.log_key"]}})
	patched_rule := object.union(rule_block, {"apply_server_side_encryption_by_default": [default_block]})
	patched := object.union(config, {"expressions": object.union(config.expressions, {"rule": [patched_rule]})})
	configs := object.union(original, {"aws_s3_bucket_server_side_encryption_configuration.valid_trail_logs": patched})
	found := fixtures.violations(subject, fixture) with data.ddb_guardrails.lib.plan.configs as configs
	{[f.address, f.rule, f.evidence[1]] | some f in found; f.address == "aws_s3_bucket.valid_trail_logs"} == {[
		"aws_s3_bucket.valid_trail_logs",
		"DDB-ENC-005-UNPROVABLE",
		"aws_s3_bucket_server_side_encryption_configuration.valid_trail_logs.rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id <- local.log_key (not resolvable from the plan)",
	]}
}
