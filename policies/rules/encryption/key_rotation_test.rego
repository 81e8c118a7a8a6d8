package ddb_guardrails.rules.encryption.key_rotation_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/key_rotation"

test_keys_of_tables_without_rotation_are_flagged_on_the_key if {
	fixtures.findings_for(subject, "enc-key-rotation") == {
		["aws_kms_key.invalid_rotation_off", "DDB-ENC-003"],
		["aws_kms_key.invalid_rotation_default", "DDB-ENC-003"],
		["aws_kms_key.invalid_primary_rotation_off", "DDB-ENC-003"],
		["aws_kms_key.unprovable_rotation", "DDB-ENC-003-UNPROVABLE"],
	}
}

test_rotated_keys_keys_behind_an_alias_and_unused_keys_pass if {
	not fixtures.finding_on(subject, "enc-key-rotation", "aws_kms_key.valid_rotated")
	not fixtures.finding_on(subject, "enc-key-rotation", "aws_kms_key.valid_behind_alias")
	not fixtures.finding_on(subject, "enc-key-rotation", "aws_kms_key.unused_rotation_off")
}

test_the_evidence_names_the_key_setting_and_who_uses_the_key if {
	fixtures.finding_on(subject, "enc-key-rotation", "aws_kms_key.invalid_rotation_off").evidence == [
		"enable_key_rotation = false",
		"used by aws_dynamodb_table.table_on_unrotated_key: server_side_encryption[0].kms_key_arn <- aws_kms_key.invalid_rotation_off (created in this plan)",
	]
}

test_a_replica_key_leads_to_its_primary if {
	some line in fixtures.finding_on(subject, "enc-key-rotation", "aws_kms_key.invalid_primary_rotation_off").evidence
	contains(line, "aws_kms_replica_key.replica_of_unrotated")
}

test_an_unknown_rotation_setting_names_what_it_depends_on if {
	evidence := fixtures.finding_on(subject, "enc-key-rotation", "aws_kms_key.unprovable_rotation").evidence
	evidence[0] == "enable_key_rotation: (known after apply) <- aws_kms_key.valid_rotated (created in this plan)"
}

test_keys_in_modules_and_count_instances_are_judged if {
	fixtures.findings_for(subject, "model-child-module") == {["module.invalid_keys_rotation_off.aws_kms_key.this", "DDB-ENC-003"]}
	fixtures.findings_for(subject, "model-count") == {["aws_kms_key.counted[1]", "DDB-ENC-003"]}
	fixtures.findings_for(subject, "model-for-each") == set()
}

test_keys_of_audit_buckets_and_replicas_count_as_used if {
	fixtures.findings_for(subject, "enc-audit-buckets") == set()
	fixtures.findings_for(subject, "enc-replica") == set()
	fixture := fixtures.plan("enc-audit-buckets")
	resources := data.ddb_guardrails.lib.plan.resources with input as fixture
	unrotated := object.union(resources, {"aws_kms_key.logs": object.union(resources["aws_kms_key.logs"], {"after": {"enable_key_rotation": false}})})
	found := fixtures.violations(subject, fixture) with data.ddb_guardrails.lib.plan.resources as unrotated
	{f.address | some f in found} == {"aws_kms_key.logs"}
}
