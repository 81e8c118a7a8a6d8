package ddb_guardrails.rules.encryption.table_cmk_test

import rego.v1

import data.ddb_guardrails.rules.encryption.table_cmk

# Undefined (so the test fails) when the fixture is missing, rather than an empty set.
findings_for(name) := result if {
	plan := data.fixtures[name]
	result := {[f.address, f.rule] | some f in violations(plan)}
}

violations(plan) := result if {
	result := table_cmk.violation with input as plan
}

test_table_without_encryption_block_is_flagged_as_aws_owned if {
	findings_for("table-unencrypted") == {["aws_dynamodb_table.invalid_aws_owned_key", "DDB-ENC-001"]}
}

test_table_with_aws_managed_key_is_flagged if {
	findings_for("table-aws-managed-key") == {
		["aws_dynamodb_table.invalid_no_key_arn", "DDB-ENC-001"],
		["aws_dynamodb_table.invalid_aws_managed_alias", "DDB-ENC-001"],
	}
}

test_key_created_in_same_plan_and_literal_key_pass if {
	findings_for("table-cmk-same-plan") == set()
}

test_finding_carries_evidence_and_remediation if {
	some f in violations(data.fixtures["table-aws-managed-key"])
	f.address == "aws_dynamodb_table.invalid_aws_managed_alias"
	f.evidence == ["server_side_encryption[0].kms_key_arn = \"arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb\""]
	contains(f.remediation, "kms_key_arn")
	f.severity == "high"
	f.guardrail == "encryption"
}
