package ddb_guardrails.rules.audit.archive_object_lock_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/archive_object_lock"

test_archive_buckets_that_are_not_write_once_are_flagged if {
	fixtures.findings_for(subject, "audit-archive") == {
		["aws_s3_bucket.invalid_archive_no_object_lock", "DDB-AUD-002"],
		["aws_s3_bucket.invalid_archive_governance_mode", "DDB-AUD-002"],
		["aws_s3_bucket.invalid_archive_no_default_retention", "DDB-AUD-002"],
	}
}

test_a_compliance_mode_archive_and_untagged_buckets_pass if {
	not fixtures.finding_on(subject, "audit-archive", "aws_s3_bucket.valid_archive")
	not fixtures.finding_on(subject, "audit-archive", "aws_s3_bucket.untagged_without_lock")
	fixtures.findings_for(subject, "enc-audit-buckets") == set()
}

test_the_evidence_names_the_tag_and_the_mode if {
	fixtures.finding_on(subject, "audit-archive", "aws_s3_bucket.invalid_archive_governance_mode").evidence == [
		"tags[\"ddb-guardrails:role\"] = \"stream-archive\"",
		"aws_s3_bucket_object_lock_configuration.invalid_archive_governance_mode.rule[0].default_retention[0].mode = GOVERNANCE",
	]
}

test_settings_known_only_after_apply_are_unprovable if {
	["aws_s3_bucket.valid_archive", "DDB-AUD-002-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-archive", "aws_s3_bucket.valid_archive",
		{"after": {"bucket": "valid-archive", "tags": {"ddb-guardrails:role": "stream-archive"}}, "unknown": {"object_lock_enabled": true}},
	)
	["aws_s3_bucket.valid_archive", "DDB-AUD-002-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-archive", "aws_s3_bucket_object_lock_configuration.valid_archive",
		{"unknown": {"bucket": true, "rule": [{"default_retention": [{"mode": true}]}]}},
	)
}

test_a_lock_configuration_whose_bucket_cannot_be_followed_is_unprovable if {
	["aws_s3_bucket.invalid_archive_no_default_retention", "DDB-AUD-002-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-archive", "aws_s3_bucket_object_lock_configuration.valid_archive",
		{"config_key": "none"},
	)
}
