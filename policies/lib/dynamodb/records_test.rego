package ddb_guardrails.lib.dynamodb.records_test

import rego.v1

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.dynamodb_test as plans
import data.ddb_guardrails.lib.fixtures_test as fixtures

records(plan) := found if {
	found := tables.records with input as plan
}

# [verdict, region or ""] of each point-in-time recovery verdict of a record.
pitr_of(record) := {[entry.verdict, object.get(entry, "region", "")] | some entry in record.pitr}

test_every_provider_gives_one_record_per_table if {
	found := {[name, record.provider] |
		some name in ["enc-table-keys", "rec-pitr-deletion", "awscc-tables", "cfn-stack-tables", "cloudcontrol-resources"]
		some record in records(fixtures.plan(name))
	}
	found == {
		["enc-table-keys", "aws"],
		["rec-pitr-deletion", "aws"],
		["awscc-tables", "awscc"],
		["cfn-stack-tables", "cloudformation"],
		["cloudcontrol-resources", "cloudcontrol"],
	}
	cfn := {[record.address, record.subject] | some record in records(fixtures.plan("cfn-stack-tables"))}
	["aws_cloudformation_stack.invalid_owned_key", "Resources.NoSse (AWS::DynamoDB::Table): "] in cfn
	["aws_cloudformation_stack.invalid_owned_key", "Resources.SseDisabled (AWS::DynamoDB::Table): "] in cfn
}

test_aws_tables_and_replicas_say_on_and_off_per_table_and_replica if {
	by_address := {record.address: record | some record in records(fixtures.plan("rec-pitr-deletion"))}
	pitr_of(by_address["aws_dynamodb_table.invalid_replica_block_without_pitr"]) == {["on", ""], ["off", "us-east-1"]}
	replica := by_address["aws_dynamodb_table_replica.invalid_replica_unprotected"]
	replica.type == "aws_dynamodb_table_replica"
	pitr_of(replica) == {["off", ""]}
	{entry.verdict | some entry in replica.deletion_protection} == {"off"}
	{entry.verdict | some entry in by_address["aws_dynamodb_table.valid_protected"].deletion_protection} == {"on"}
}

test_an_aws_setting_known_only_after_apply_names_its_attribute if {
	plan := plans.one_resource(
		"aws_dynamodb_table",
		{"point_in_time_recovery": [{}]}, {"point_in_time_recovery": [{"enabled": true}], "deletion_protection_enabled": true},
		{"deletion_protection_enabled": {"references": ["var.protect"]}},
	)
	some record in records(plan)
	{[entry.verdict, entry.attribute] | some entry in record.pitr} == {["unprovable", "point_in_time_recovery"]}
	{[entry.verdict, entry.attribute] | some entry in record.deletion_protection} == {["unprovable", "deletion_protection_enabled"]}
}

test_an_unreadable_template_is_one_record_whose_every_setting_is_unreadable if {
	plan := plans.one_resource("aws_cloudformation_stack", {}, {"template_body": true}, {"template_body": {"references": ["local.body"]}})
	[record] := [record | some record in records(plan)]
	record.address == "aws_cloudformation_stack.t"
	record.subject == ""
	every setting in ["encryption", "replica_keys", "pitr", "deletion_protection"] {
		{entry.verdict | some entry in record[setting]} == {"unreadable"}
	}
}

test_the_unreadable_message_names_the_setting if {
	tables.unreadable_message("encryption") == "the stack's template cannot be read, so the encryption of the tables it declares cannot be checked"
}
