package ddb_guardrails.lib.dynamodb_test

import rego.v1

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.fixtures_test as fixtures

# A plan of one resource "<type>.t" with its planned values, unknown markers and configuration.
one_resource(type, after, unknown, expressions) := {
	"resource_changes": [{
		"address": concat(".", [type, "t"]), "mode": "managed", "type": type, "name": "t",
		"change": {"actions": ["create"], "after": after, "after_unknown": unknown},
	}],
	"configuration": {"root_module": {"resources": [{
		"address": concat(".", [type, "t"]), "mode": "managed", "type": type, "name": "t",
		"expressions": expressions,
	}]}},
}

# A stack whose template_body was read by the engine into `template`.
stack(after, unknown, expressions, template) := object.union(
	one_resource("aws_cloudformation_stack", object.union({"template_body": "{}"}, after), unknown, expressions),
	{"cloudformation_templates": {"aws_cloudformation_stack.t": template}},
)

table(properties) := {"Type": "AWS::DynamoDB::Table", "Properties": properties}

encrypted_with(key) := {
	"SSESpecification": {"SSEEnabled": true, "KMSMasterKeyId": key},
	"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
	"DeletionProtectionEnabled": true,
}

key_verdicts(plan) := {[entry.verdict, entry.evidence[0]] | some entry in tables._table_keys with input as plan}

unreadable_evidence(plan) := {entry.evidence[0] | some entry in tables.unreadable with input as plan}

test_a_nested_stack_or_a_transform_makes_the_template_unreadable if {
	nested := {"resources": {"Child": {"Type": "AWS::CloudFormation::Stack"}}, "parameters": {}, "transform": false}
	unreadable_evidence(stack({}, {}, {}, nested)) == {
		"Resources.Child (AWS::CloudFormation::Stack): a nested stack, whose template is not in the plan",
	}
	transformed := {"resources": {}, "parameters": {}, "transform": true}
	unreadable_evidence(stack({}, {}, {}, transformed)) == {
		"the template declares a Transform: macros rewrite it before CloudFormation creates anything",
	}
}

test_a_template_the_engine_did_not_read_is_unreadable_not_empty if {
	plan := one_resource("aws_cloudformation_stack", {"template_body": "Resources: {}"}, {}, {})
	unreadable_evidence(plan) == {"template_body was not read by the engine (no cloudformation_templates in the input)"}
}

test_a_stack_without_template_body_or_configuration_is_unreadable if {
	plan := {"resource_changes": one_resource("aws_cloudformation_stack", {}, {}, {}).resource_changes}
	unreadable_evidence(plan) == {"template_body: not set"}
}

test_a_key_parameter_is_resolved_from_the_stack_or_its_default if {
	template := {
		"resources": {"T": table(encrypted_with({"Ref": "Key"}))},
		"parameters": {"Key": {"Type": "String", "Default": "alias/aws/dynamodb"}},
		"transform": false,
	}
	key_verdicts(stack({}, {"parameters": true}, {}, template)) == {[
		"aws_managed",
		"Resources.T.Properties.SSESpecification.KMSMasterKeyId = \"alias/aws/dynamodb\"",
	]}
	from_reference := stack({}, {"parameters": true}, {"parameters": {"references": ["aws_kms_key.k.arn"]}}, template)

	# Followed to what the stack sets the parameter to: here a key the plan does not hold.
	key_verdicts(from_reference) == {[
		"unprovable",
		"Resources.T.Properties.SSESpecification.KMSMasterKeyId <- parameters.Key <- aws_kms_key.k (not resolvable from the plan)",
	]}
	one_unknown := stack({"parameters": {}}, {"parameters": {"Key": true}}, {}, template)
	[verdict, _] := [v | some v in key_verdicts(one_unknown)][0]
	verdict == "unprovable"
}

key_parameter_template := {
	"resources": {"T": table(encrypted_with({"Ref": "Key"}))},
	"parameters": {"Key": {"Type": "String", "Default": "alias/aws/dynamodb"}, "Logs": {"Type": "String"}},
	"transform": false,
}

test_a_key_parameter_set_from_nothing_the_plan_holds_is_unprovable if {
	from_nothing := stack({}, {"parameters": true}, {"parameters": {"references": []}}, key_parameter_template)
	key_verdicts(from_nothing) == {[
		"unprovable",
		"Resources.T.Properties.SSESpecification.KMSMasterKeyId <- parameters.Key: known after apply, from nothing the plan holds",
	]}
}

# input.source as the CLI builds it: the parameters map key by key, and the keys it sets.
parameter_attributes(keys) := {"aws_cloudformation_stack.t": {
	"parameters.Key": {"references": ["aws_kms_key.k.arn"], "module": "", "source_location": "main.tf:3"},
	"parameters[*]": {"constant_value": keys, "source_location": "main.tf:3"},
}}

test_with_source_a_key_parameter_is_followed_key_by_key_or_takes_its_default if {
	expressions := {"parameters": {"references": ["aws_kms_key.k.arn", "aws_cloudwatch_log_group.l.arn"]}}
	plan := stack({}, {"parameters": true}, expressions, key_parameter_template)
	with_key := object.union(plan, {"source": {"attributes": parameter_attributes(["Key", "Logs"])}})
	key_verdicts(with_key) == {[
		"unprovable",
		"Resources.T.Properties.SSESpecification.KMSMasterKeyId <- parameters.Key <- aws_kms_key.k (not resolvable from the plan) (from source main.tf:3)",
	]}
	without_key := object.union(plan, {"source": {"attributes": parameter_attributes(["Logs"])}})
	key_verdicts(without_key) == {["aws_managed", "Resources.T.Properties.SSESpecification.KMSMasterKeyId = \"alias/aws/dynamodb\""]}
}

test_a_global_table_whose_replicas_are_not_a_list_is_unprovable_for_every_replica_setting if {
	template := {
		"resources": {"G": {"Type": "AWS::DynamoDB::GlobalTable", "Properties": {
			"SSESpecification": {"SSEEnabled": true},
			"Replicas": {"Fn::If": ["Prod", [{"Region": "eu-west-1"}], []]},
		}}},
		"parameters": {}, "transform": false,
	}
	plan := stack({}, {}, {}, template)
	expected := {[
		"unprovable",
		"Resources.G.Properties.Replicas = {\"Fn::If\":[\"Prod\",[{\"Region\":\"eu-west-1\"}],[]]} (not a list of replicas)",
	]}
	{[e.verdict, e.evidence[0]] | some e in tables._replica_keys with input as plan} == expected
	{[e.verdict, e.evidence[0]] | some e in tables._pitr with input as plan} == expected
	{[e.verdict, e.evidence[0]] | some e in tables._deletion_protection with input as plan} == expected
}

test_a_replica_key_parameter_known_after_apply_is_followed_to_what_the_stack_sets if {
	template := {
		"resources": {"G": {"Type": "AWS::DynamoDB::GlobalTable", "Properties": {
			"SSESpecification": {"SSEEnabled": true, "SSEType": "KMS"},
			"Replicas": [{"Region": "eu-west-1", "SSESpecification": {"KMSMasterKeyId": {"Ref": "Key"}}}],
		}}},
		"parameters": {"Key": {"Type": "String"}}, "transform": false,
	}
	plan := stack({}, {"parameters": true}, {"parameters": {"references": []}}, template)
	{[e.verdict, e.evidence[0]] | some e in tables._replica_keys with input as plan} == {[
		"unprovable",
		"Resources.G.Properties.Replicas[Region = eu-west-1].SSESpecification.KMSMasterKeyId <- parameters.Key: known after apply, from nothing the plan holds",
	]}
}

test_a_replica_region_that_is_not_a_literal_is_named_so if {
	template := {
		"resources": {"G": {"Type": "AWS::DynamoDB::GlobalTable", "Properties": {
			"SSESpecification": {"SSEEnabled": true},
			"Replicas": [{"Region": {"Ref": "AWS::Region"}, "DeletionProtectionEnabled": true}],
		}}},
		"parameters": {}, "transform": false,
	}
	some entry in tables._pitr with input as stack({}, {}, {}, template)
	entry.evidence == ["Resources.G.Properties.Replicas[Region = (not a literal)].PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: not set (off)"]
}

test_awscc_replicas_known_only_after_apply_are_unprovable if {
	plan := one_resource(
		"awscc_dynamodb_global_table",
		{"sse_specification": {"sse_enabled": true}}, {"replicas": true},
		{"sse_specification": {"constant_value": {"sse_enabled": true}}, "replicas": {"references": ["var.replicas"]}},
	)
	{e.verdict | some e in tables._replica_keys with input as plan} == {"unprovable"}
	{e.evidence[0] | some e in tables._pitr with input as plan} == {"replicas: (known after apply) <- var.replicas (not resolvable from the plan)"}
}

test_an_awscc_encryption_setting_known_only_after_apply_is_unprovable if {
	whole := one_resource(
		"awscc_dynamodb_table", {}, {"sse_specification": true},
		{"sse_specification": {"references": ["local.sse"]}},
	)
	key_verdicts(whole) == {["unprovable", "sse_specification.sse_enabled: (known after apply) <- local.sse (not resolvable from the plan)"]}
	leaf := one_resource(
		"awscc_dynamodb_table", {"sse_specification": {}}, {"sse_specification": {"sse_enabled": true}},
		{"sse_specification": {"references": ["local.on"]}},
	)
	key_verdicts(leaf) == {["unprovable", "sse_specification.sse_enabled: (known after apply) <- local.on (not resolvable from the plan)"]}
}

test_an_intrinsic_around_a_setting_is_unprovable if {
	template := {
		"resources": {"T": table({
			"SSESpecification": {"SSEEnabled": true, "KMSMasterKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k"},
			"PointInTimeRecoverySpecification": {"Fn::If": ["Prod", {"PointInTimeRecoveryEnabled": true}, {"Ref": "AWS::NoValue"}]},
		})},
		"parameters": {}, "transform": false,
	}
	{e.verdict | some e in tables._pitr with input as stack({}, {}, {}, template)} == {"unprovable"}
}

test_keys_of_awscc_tables_and_replicas_are_used_keys if {
	used := tables.used_keys with input as fixtures.plan("awscc-tables")
	table_use := "used by awscc_dynamodb_table.valid_key_in_plan: sse_specification.kms_master_key_id <- aws_kms_key.tables (created in this plan)"
	table_use in used["aws_kms_key.tables"]
	some evidence in used["aws_kms_key.tables"]
	startswith(evidence, "used by awscc_dynamodb_global_table.valid_global_table: replicas[region = us-east-1]")
}
