package ddb_guardrails.rules.encryption.key_weakened_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/key_weakened"

test_a_table_key_weakened_disabled_or_without_rotation_is_flagged if {
	fixtures.findings_for(subject, "change-regressions") == {
		["aws_dynamodb_table.invalid_key_weakened", "DDB-ENC-009"],
		["aws_dynamodb_table.invalid_key_to_aws_managed", "DDB-ENC-009"],
		["aws_kms_key.invalid_disabled", "DDB-ENC-009"],
		["aws_kms_key.invalid_rotation_turned_off", "DDB-ENC-009"],
	}
}

test_the_message_names_the_weaker_key if {
	contains(fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_key_weakened").message, "an AWS-owned key")
	contains(fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_key_to_aws_managed").message, "the AWS-managed key")
	fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_key_weakened").evidence[0] == "server_side_encryption[0].enabled: true -> false"
}

test_a_key_change_names_the_tables_that_use_the_key if {
	evidence := fixtures.finding_on(subject, "change-regressions", "aws_kms_key.invalid_disabled").evidence
	evidence[0] == "is_enabled: true -> false"
	endswith(evidence[1], " is the kms_key_arn of aws_dynamodb_table.invalid_disabled_key_table")
	fixtures.finding_on(subject, "change-regressions", "aws_kms_key.invalid_rotation_turned_off").evidence[0] == "enable_key_rotation: true -> false"
}

# Already on an AWS-owned key before the change: DDB-ENC-001 judges it, nothing was weakened.
test_a_table_that_had_no_customer_key_is_not_weakened if {
	not fixtures.finding_on(subject, "change-regressions", "aws_dynamodb_table.invalid_aws_owned_to_aws_managed")
}

test_unchanged_and_deleting_plans_weaken_nothing if {
	fixtures.findings_for(subject, "change-unchanged") == set()
	fixtures.findings_for(subject, "change-destroy") == set()
	fixtures.findings_for(subject, "enc-key-rotation") == set()
}
