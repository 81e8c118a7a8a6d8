package ddb_guardrails.rules.encryption.replica_cmk_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.encryption.replica_cmk as rule

subject := "encryption/replica_cmk"

test_replica_blocks_and_replica_resources_without_their_own_customer_key_are_flagged if {
	fixtures.findings_for(subject, "enc-replica") == {
		["aws_dynamodb_table.invalid_replica_without_key", "DDB-ENC-002"],
		["aws_dynamodb_table.invalid_replica_aws_managed_key", "DDB-ENC-002"],
	}
}

test_replica_keys_created_in_the_plan_and_literal_keys_pass if {
	not fixtures.finding_on(subject, "enc-replica", "aws_dynamodb_table.valid_replica_with_key")
	not fixtures.finding_on(subject, "enc-replica", "aws_dynamodb_table.valid_replica_literal_key")
	not fixtures.finding_on(subject, "enc-replica", "aws_dynamodb_table_replica.valid_own_key")
}

test_a_replica_without_key_names_its_region_in_the_evidence if {
	fixtures.finding_on(subject, "enc-replica", "aws_dynamodb_table.invalid_replica_without_key").evidence == [
		"replica[region_name = us-east-1].kms_key_arn: not set (AWS-managed key)",
	]
}

test_replicas_of_other_fixtures_are_judged_the_same_way if {
	fixtures.findings_for(subject, "rec-pitr-deletion") == set()
	fixtures.findings_for(subject, "enc-key-rotation") == set()
}

test_a_replica_resource_without_key_is_flagged if {
	replica := {
		"address": "aws_dynamodb_table_replica.r", "type": "aws_dynamodb_table_replica", "module": "",
		"after": {}, "unknown": {"kms_key_arn": true}, "config_key": "aws_dynamodb_table_replica.r",
	}
	findings := rule.violation with data.ddb_guardrails.lib.plan.resources as {replica.address: replica}
		with data.ddb_guardrails.lib.plan.configs as {replica.config_key: {"expressions": {}}}
	{[f.address, f.rule] | some f in findings} == {["aws_dynamodb_table_replica.r", "DDB-ENC-002"]}
}

test_replica_sets_and_blocks_the_plan_cannot_match_are_unprovable if {
	table := {
		"address": "aws_dynamodb_table.t", "type": "aws_dynamodb_table", "module": "",
		"after": {"replica": [{"region_name": "us-east-1"}]}, "unknown": {"replica": [{"kms_key_arn": true}]},
		"config_key": "aws_dynamodb_table.t",
	}
	unknown_set := object.union(table, {"address": "aws_dynamodb_table.u", "after": {}, "unknown": {"replica": true}})
	findings := rule.violation with data.ddb_guardrails.lib.plan.resources as {table.address: table, unknown_set.address: unknown_set}
		with data.ddb_guardrails.lib.plan.configs as {"aws_dynamodb_table.t": {"expressions": {}}}
	{[f.address, f.rule] | some f in findings} == {
		["aws_dynamodb_table.t", "DDB-ENC-002-UNPROVABLE"],
		["aws_dynamodb_table.u", "DDB-ENC-002-UNPROVABLE"],
	}
}

test_an_existing_key_outside_allowed_key_arns_is_flagged if {
	found := fixtures.violations(subject, fixtures.plan("enc-replica"))
		with data.ddb_guardrails_config.parameters as {"allowed_key_arns": ["arn:aws:kms:*:111122223333:key/other"]}
	["aws_dynamodb_table.valid_replica_literal_key", "DDB-ENC-002"] in fixtures.pairs(found)
}

test_awscc_and_template_replicas_without_their_own_key_are_flagged if {
	fixtures.findings_for(subject, "awscc-tables") == {
		["awscc_dynamodb_global_table.invalid_global_replica_aws_managed_key", "DDB-ENC-002"],
		["awscc_dynamodb_global_table.unprovable_global_replica_unset", "DDB-ENC-002-UNPROVABLE"],
	}
	fixtures.findings_for(subject, "cfn-stack-tables") == {
		["aws_cloudformation_stack.invalid_global_table_replica", "DDB-ENC-002"],
		["aws_cloudformation_stack.unprovable_template_url", "DDB-ENC-002-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unknown_body", "DDB-ENC-002-UNPROVABLE"],
		["aws_cloudformation_stack.unprovable_unreadable_template", "DDB-ENC-002-UNPROVABLE"],
	}
}
