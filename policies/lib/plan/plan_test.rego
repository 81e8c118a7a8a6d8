package ddb_guardrails.lib.plan_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.plan

test_resources_of_child_modules_are_in_the_model_with_their_configuration if {
	fixture := fixtures.plan("model-child-module")
	table := plan.resources["module.valid_nested.module.store.aws_dynamodb_table.this"] with input as fixture
	table.module == "module.valid_nested.module.store"
	table.config_key == "module.valid_nested.module.store.aws_dynamodb_table.this"
	plan.config(table).expressions.name == {"references": ["var.name"]} with input as fixture
}

test_for_each_and_count_instances_are_separate_resources_sharing_one_configuration if {
	for_each := fixtures.plan("model-for-each")
	addresses := {a | some a, _ in plan.of_type("aws_dynamodb_table") with input as for_each}
	addresses == {
		"aws_dynamodb_table.fleet[\"valid_orders\"]",
		"aws_dynamodb_table.fleet[\"invalid_no_pitr\"]",
		"module.regional[\"valid_cmk\"].aws_dynamodb_table.this",
		"module.regional[\"invalid_aws_managed_key\"].aws_dynamodb_table.this",
	}
	instance := plan.resources["module.regional[\"valid_cmk\"].aws_dynamodb_table.this"] with input as for_each
	instance.config_key == "module.regional.aws_dynamodb_table.this"
	plan.instances["aws_kms_key.counted"] == {"aws_kms_key.counted[0]", "aws_kms_key.counted[1]"} with input as fixtures.plan("model-count")
}

test_module_instances_are_indexed_by_the_module_call if {
	plan.module_instances["module.regional"] == {
		"module.regional[\"valid_cmk\"]",
		"module.regional[\"invalid_aws_managed_key\"]",
	} with input as fixtures.plan("model-for-each")
}

test_data_sources_come_from_resource_changes_when_unknown_and_prior_state_when_known if {
	fixture := fixtures.plan("model-data-sources")
	sources := plan._data_of_type("aws_iam_policy_document") with input as fixture
	{a: s.known | some a, s in sources} == {
		"data.aws_iam_policy_document.known": true,
		"data.aws_iam_policy_document.unknown": false,
		"module.docs.data.aws_iam_policy_document.nested": true,
	}
	sources["data.aws_iam_policy_document.unknown"].unknown.json == true
	contains(sources["module.docs.data.aws_iam_policy_document.nested"].values.json, "dynamodb:DeleteTable")
	plan.config(sources["module.docs.data.aws_iam_policy_document.nested"]).expressions.statement[0].effect == {"constant_value": "Deny"} with input as fixture
}

test_a_plan_without_prior_state_has_no_known_data_sources if {
	plan.data_sources == {} with input as {"resource_changes": [], "configuration": {"root_module": {}}}
}

test_pure_deletes_are_not_in_the_model if {
	plan.resources == {} with input as {
		"resource_changes": [{"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k", "change": {"actions": ["delete"], "after": null}}],
		"configuration": {"root_module": {}},
	}
}

test_instance_keys_are_stripped_from_addresses if {
	plan.without_instance_key("aws_kms_key.k[0]") == "aws_kms_key.k"
	plan.without_instance_key("module.a[\"x\"].aws_kms_key.k[\"a]b\"]") == "module.a[\"x\"].aws_kms_key.k"
	plan.without_instance_key("aws_kms_key.k") == "aws_kms_key.k"
	plan.strip_instance_keys("module.a[0].module.b[\"k\"]") == "module.a.module.b"
}
