package ddb_guardrails.lib.references_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

key_path := ["server_side_encryption", 0, "kms_key_arn"]

# address -> the set of sources its table key ARN resolves to, in one fixture plan.
key_sources(name) := result if {
	fixture := fixtures.plan(name)
	result := {address: sources |
		some address, table in plan.of_type("aws_dynamodb_table") with input as fixture
		sources := references.sources(table, key_path) with input as fixture
	}
}

test_a_key_passed_as_a_variable_into_a_child_module_resolves_to_the_root_key if {
	sources := key_sources("model-child-module")
	sources["module.valid_store.aws_dynamodb_table.this"] == {{"kind": "resource", "address": "aws_kms_key.root_key"}}
}

test_a_variable_is_followed_through_two_module_levels if {
	sources := key_sources("model-child-module")
	sources["module.valid_nested.module.store.aws_dynamodb_table.this"] == {{"kind": "resource", "address": "aws_kms_key.root_key"}}
}

test_a_literal_passed_to_a_module_is_a_constant if {
	sources := key_sources("model-child-module")
	sources["module.invalid_store_aws_managed_key.aws_dynamodb_table.this"] == {{
		"kind": "constant",
		"value": "arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb",
	}}
}

test_a_module_output_resolves_to_the_resource_inside_the_module if {
	sources := key_sources("model-child-module")
	sources["aws_dynamodb_table.valid_key_from_module_output"] == {{"kind": "resource", "address": "module.valid_keys.aws_kms_key.this"}}
	sources["aws_dynamodb_table.valid_key_from_unrotated_module_key"] == {{"kind": "resource", "address": "module.invalid_keys_rotation_off.aws_kms_key.this"}}
}

test_each_value_of_a_module_for_each_resolves_to_the_for_each_references if {
	sources := key_sources("model-for-each")
	sources["module.regional[\"valid_cmk\"].aws_dynamodb_table.this"] == {{"kind": "resource", "address": "aws_kms_key.fleet"}}
}

test_a_counted_reference_resolves_to_every_instance if {
	sources := key_sources("model-count")
	sources["aws_dynamodb_table.counted[1]"] == {
		{"kind": "resource", "address": "aws_kms_key.counted[0]"},
		{"kind": "resource", "address": "aws_kms_key.counted[1]"},
	}
}

test_a_data_source_reference_resolves_to_the_data_source if {
	fixture := fixtures.plan("model-data-sources")
	trail := plan.resources["aws_cloudtrail.valid_data_events"] with input as fixture
	sources := references.sources(trail, ["event_selector", 0, "data_resource", 0, "values"]) with input as fixture
	sources == {{"kind": "resource", "address": "aws_dynamodb_table.valid_orders"}}
}

# Synthetic expressions for the shapes no fixture plan can hold at once.
resource_in(module) := {"module": module, "config_key": "none"}

test_a_local_is_unresolved if {
	references.sources_of(resource_in(""), {"references": ["local.arns"]}) == {{"kind": "unresolved", "reference": "local.arns"}}
}

test_a_resource_not_in_the_plan_is_unresolved if {
	sources := references.sources_of(resource_in(""), {"references": ["aws_kms_key.gone.arn", "aws_kms_key.gone"]}) with input as fixtures.plan("model-count")
	sources == {{"kind": "unresolved", "reference": "aws_kms_key.gone"}}
}

test_each_value_outside_a_for_each_is_unresolved if {
	references.sources_of(resource_in(""), {"references": ["each.value"]}) == {{"kind": "unresolved", "reference": "each.value"}}
}

test_a_whole_module_reference_is_unresolved if {
	references.sources_of(resource_in(""), {"references": ["module.keys"]}) == {{"kind": "unresolved", "reference": "module.keys"}}
}

test_count_index_carries_no_value if {
	references.sources_of(resource_in(""), {"references": ["count.index"]}) == set()
}

test_a_data_source_not_in_the_plan_keeps_its_address if {
	expression := {"references": ["data.aws_kms_alias.key.target_key_arn", "data.aws_kms_alias.key"]}
	sources := references.sources_of(resource_in(""), expression) with input as fixtures.plan("model-count")
	sources == {{"kind": "data", "type": "aws_kms_alias", "address": "data.aws_kms_alias.key"}}
}

test_an_unset_root_variable_is_unresolved if {
	sources := references.sources_of(resource_in(""), {"references": ["var.missing"]}) with input as fixtures.plan("model-count")
	sources == {{"kind": "unresolved", "reference": "var.missing"}}
}

test_an_unsettled_chain_is_reported_as_unresolved if {
	references._settled({{"kind": "variable", "module": "module.a", "name": "v"}}) == {{"kind": "unresolved", "reference": "module.a.var.v"}}
	references._settled({{"kind": "output", "module": "module.a", "name": "o"}}) == {{"kind": "unresolved", "reference": "module.a.o"}}
	references._settled({{"kind": "each", "module": "", "scope": {}}}) == {{"kind": "unresolved", "reference": "each.value"}}
}

test_sources_are_described_for_evidence if {
	references.describe({"kind": "resource", "address": "aws_kms_key.k"}) == "aws_kms_key.k (created in this plan)"
	references.describe({"kind": "data", "address": "data.aws_kms_key.k"}) == "data.aws_kms_key.k (data source)"
	references.describe({"kind": "constant", "value": "x"}) == "\"x\""
	references.describe({"kind": "unresolved", "reference": "local.k"}) == "local.k (not resolvable from the plan)"
}

# JSON-syntax configuration (the generated modules, CDKTF output) reports "${...}" templates as
# constant strings next to their references; they resolve like HCL references.
test_a_json_syntax_template_resolves_to_the_resource_it_references if {
	sources := key_sources("terraform-modules-secure-table")
	sources["module.valid_sessions.aws_dynamodb_table.table_43360BC0"] == {{"kind": "resource", "address": "module.valid_sessions.aws_kms_key.table_key_97A7841E"}}
}

# terraform-aws-modules/kms: try(aws_kms_key.this[0].arn, aws_kms_external_key.this[0].arn, ...).
test_a_try_output_resolves_to_the_one_alternative_the_plan_creates if {
	sources := key_sources("model-output-fallbacks")
	sources["aws_dynamodb_table.valid_try"] == {{"kind": "resource", "address": "module.sessions_key.aws_kms_key.this[0]"}}
	sources["aws_dynamodb_table.valid_try_external"] == {{"kind": "resource", "address": "module.imported_key.aws_kms_external_key.this[0]"}}
	sources["aws_dynamodb_table.valid_try_replica"] == {{"kind": "resource", "address": "module.replica_key.aws_kms_replica_key.this[0]"}}
}

test_a_coalesce_over_splats_resolves_to_the_resource_with_instances if {
	sources := key_sources("model-output-fallbacks")
	sources["aws_dynamodb_table.valid_coalesce"] == {{"kind": "resource", "address": "module.sessions_key.aws_kms_key.this[0]"}}
}

# The plan records the condition's variable next to the results, not which is which.
test_a_conditional_output_keeps_its_condition_without_source if {
	sources := key_sources("model-output-fallbacks")
	sources["aws_dynamodb_table.valid_conditional"] == {
		{"kind": "resource", "address": "module.imported_key.aws_kms_external_key.this[0]"},
		{"kind": "constant", "value": true},
	}
}

test_an_output_whose_alternatives_are_all_absent_is_unresolved if {
	sources := key_sources("model-output-fallbacks-unrotated")
	{source.kind | some source in sources["aws_dynamodb_table.invalid_no_key_created"]} == {"unresolved"}
	{source.reference | some source in sources["aws_dynamodb_table.invalid_no_key_created"]} == {
		"module.no_key.aws_kms_key.this[0]", "module.no_key.aws_kms_key.this",
		"module.no_key.aws_kms_external_key.this[0]", "module.no_key.aws_kms_external_key.this",
		"module.no_key.aws_kms_replica_key.this[0]", "module.no_key.aws_kms_replica_key.this",
	}
}

# The attributes read of a resource, whatever instance key Terraform lists it with, and through a
# module output; none when the whole object is read.
test_attributed_sources_say_which_attributes_are_read if {
	fixture := fixtures.plan("model-child-module")
	table := plan.resources["aws_dynamodb_table.valid_key_from_module_output"] with input as fixture
	attributed := references.attributed_sources(table, key_path) with input as fixture
	attributed == {{"kind": "resource", "address": "module.valid_keys.aws_kms_key.this", "attributes": {"arn"}}}
	indexed := {"references": [`aws_kms_key.k["a"].arn`, `aws_kms_key.k["a"]`, "aws_kms_key.k", "aws_s3_bucket.b"]}
	references._with_attributes({"kind": "resource", "address": `aws_kms_key.k["a"]`}, indexed).attributes == {"arn"}
	references._with_attributes({"kind": "resource", "address": "module.m[0].aws_s3_bucket.b"}, indexed).attributes == set()
	references._with_attributes({"kind": "constant", "value": "x"}, indexed) == {"kind": "constant", "value": "x"}
}

# The engine's index of reference objects (input.reference_objects) is read when it names the
# reference; the regular expression answers for any other, and for inputs without the index.
test_the_object_of_a_reference_comes_from_the_engine_index_when_it_has_it if {
	references._object_of("aws_kms_key.k[0].arn") == "aws_kms_key.k[0]" with input as {}
	references._object_of(`module.m["a.b"].out`) == `module.m["a.b"].out` with input as {}
	references._object_of("data.aws_iam_policy_document.p.json") == "data.aws_iam_policy_document.p" with input as {}

	# (an index entry no expression would give, to show which of the two answered)
	indexed := {"reference_objects": {"aws_kms_key.k[0].arn": "aws_kms_key.indexed"}}
	references._object_of("aws_kms_key.k[0].arn") == "aws_kms_key.indexed" with input as indexed
	references._object_of("aws_s3_bucket.b.id") == "aws_s3_bucket.b" with input as indexed
}
