package ddb_guardrails.lib.iam.jsonencode_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.rules.fgac.leading_keys
import data.ddb_guardrails.rules.fgac.scan

# input.source as the source model builds it for a policy written with jsonencode() (documentExpression
# in src/engine/source/source-model.ts): the JSON, with parts known only after apply marked.
marker := "ddb-guardrails:known-after-apply"

after_apply(references) := {marker: {"references": references, "module": "", "source_location": "main.tf:1"}}

with_document(fixture, address, tree) := object.union(fixtures.plan(fixture), {"source": {"attributes": {address: {"policy": {
	"json_document": tree,
	"source_location": "main.tf:1",
}}}}})

documents_of(fixture, address, tree) := {document |
	some document in iam._documents with input as with_document(fixture, address, tree)
	document.holder == address
}

trail_role := "aws_iam_role_policy.valid_trail_to_logs"

delivery := {"Version": "2012-10-17", "Statement": [{
	"Effect": "Allow",
	"Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
	"Resource": after_apply(["aws_cloudwatch_log_group.trail.arn"]),
}]}

test_without_source_a_policy_naming_an_arn_of_the_plan_is_unprovable if {
	[document] := [d | some d in iam._documents with input as fixtures.plan("fgac-jsonencode-after-apply"); d.holder == trail_role]
	document.status == "unprovable"
}

test_the_cloudtrail_delivery_policy_is_judged_and_grants_no_dynamodb_action if {
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, delivery)]
	document.status == "known"
	document.origin == "policy (from source main.tf:1)"
	[statement] := document.statements
	statement.covered == set()
	statement.resources.known == false
	statement.resources.references == {{"kind": "resource", "address": "aws_cloudwatch_log_group.trail", "attributes": {"arn"}, "source_location": "main.tf:1"}}
	not iam.applies_to_dynamodb(statement) with input as with_document("fgac-jsonencode-after-apply", trail_role, delivery)
	found := scan.violation with input as with_document("fgac-jsonencode-after-apply", trail_role, delivery)
	every finding in found {
		finding.address != trail_role
	}
}

scan_tables := {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": after_apply(["aws_dynamodb_table.tenant"])}]}

test_a_resource_known_after_apply_is_the_tables_it_references if {
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, scan_tables)]
	{source.address | some source in document.statements[0].resources.references} == {
		`aws_dynamodb_table.tenant["acme"]`,
		`aws_dynamodb_table.tenant["globex"]`,
	}
	[finding] := [f | some f in scan.violation with input as with_document("fgac-jsonencode-after-apply", trail_role, scan_tables); f.address == trail_role]
	finding.rule == "DDB-FGAC-002"
	endswith(finding.witness.resource, ":table/orders-acme")
}

test_a_resource_that_cannot_be_followed_is_any_table if {
	tree := {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": {marker: {"unknown": "upper(x) (outside what source evaluation follows)"}}}]}
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tree)]
	document.statements[0].resources.references == {{"kind": "unresolved", "reference": "upper(x) (outside what source evaluation follows)"}}
	[finding] := [f | some f in scan.violation with input as with_document("fgac-jsonencode-after-apply", trail_role, tree); f.address == trail_role]
	endswith(finding.witness.resource, ":table/ddb-guardrails-probe")
}

# A table name read from a value that is not an ARN can name any table: the probe table is reached.
test_a_resource_built_from_a_value_other_than_an_arn_is_any_table if {
	every reference in ["aws_ssm_parameter.table_name.value", "terraform_data.table_name.id", "aws_s3_bucket.exports.id", "aws_s3_bucket.exports"] {
		tree := {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": {marker: {
			"references": [reference],
			"module": "",
			"source_location": "main.tf:1",
		}}}]}
		[finding] := [f |
			some f in scan.violation with input as with_document("fgac-opaque-resource-refs", opaque_holder, tree)
			f.address == opaque_holder
		]

		# regal ignore:non-loop-expression
		[finding.rule, finding.witness.resource] == ["DDB-FGAC-002", "arn:aws:dynamodb:us-east-1:123456789012:table/ddb-guardrails-probe"]
	}
}

# The ARN of a key, a bucket, a log group of the plan, with or without a suffix, reaches no table.
test_a_resource_built_from_the_arn_of_another_service_reaches_no_table if {
	every reference in ["aws_kms_key.data.arn", "aws_s3_bucket.exports.arn", "aws_cloudwatch_log_group.app.arn"] {
		tree := {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": [{marker: {
			"references": [reference],
			"module": "",
			"source_location": "main.tf:1",
		}}]}]}
		[document] := [d | some d in documents_of("fgac-opaque-resource-refs", opaque_holder, tree); d.status == "known"]
		not iam.applies_to_dynamodb(document.statements[0]) with input as with_document("fgac-opaque-resource-refs", opaque_holder, tree)
		found := scan.violation with input as with_document("fgac-opaque-resource-refs", opaque_holder, tree)
		every finding in found {
			finding.address != opaque_holder
		}
	}
}

# NotResource through a value that cannot be followed excludes nothing: the plan's table is reached.
test_a_not_resource_built_from_a_value_other_than_an_arn_excludes_nothing if {
	tree := {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "NotResource": {marker: {
		"references": ["aws_ssm_parameter.table_name.value"],
		"module": "",
		"source_location": "main.tf:1",
	}}}]}
	[finding] := [f |
		some f in scan.violation with input as with_document("fgac-opaque-resource-refs", opaque_holder, tree)
		f.address == opaque_holder
	]
	finding.rule == "DDB-FGAC-002"
}

# A Deny on the table an SSM parameter names may deny another table: the Scan of the plan's table
# still gets through. A Deny on the table by its ARN does refuse it.
test_a_deny_on_a_value_other_than_an_arn_denies_nothing_for_certain if {
	deny_parameter := {"Statement": [
		{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"},
		{"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": {marker: {
			"references": ["aws_ssm_parameter.table_name.value"],
			"module": "",
			"source_location": "main.tf:1",
		}}},
	]}
	[finding] := [f |
		some f in scan.violation with input as with_document("fgac-opaque-resource-refs", opaque_holder, deny_parameter)
		f.address == opaque_holder
	]
	finding.rule == "DDB-FGAC-002"
	deny_table := {"Statement": [
		{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": {marker: {
			"references": ["aws_dynamodb_table.orders.arn"],
			"module": "",
			"source_location": "main.tf:1",
		}}},
		{"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": {marker: {
			"references": ["aws_dynamodb_table.orders.arn"],
			"module": "",
			"source_location": "main.tf:1",
		}}},
	]}
	found := scan.violation with input as with_document("fgac-opaque-resource-refs", opaque_holder, deny_table)
	every f in found {
		f.address != opaque_holder
	}
}

opaque_holder := "aws_iam_policy.invalid_scan_parameter_table_jsonencode"

# Statement[1] cannot be judged; statement[0] is, and keeps its index; statement[1] grants nothing.
unknown_actions := {"Statement": [
	{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"},
	{"Effect": "Allow", "Action": [after_apply(["data.aws_ssm_parameter.actions.value"])], "Resource": "*"},
]}

test_a_statement_whose_actions_are_known_after_apply_leaves_the_document_unprovable if {
	found := documents_of("fgac-jsonencode-after-apply", trail_role, unknown_actions)
	[unprovable] := [d | some d in found; d.status == "unprovable"]
	unprovable.reason == "Statement[1].Action is only known after apply"
	[known] := [d | some d in found; d.status == "known"]
	[first, second] := known.statements
	first.covered == {"scan"}
	second.covered == set()
	second.effect == ""
	rules := {[f.rule, f.message] |
		some f in scan.violation with input as with_document("fgac-jsonencode-after-apply", trail_role, unknown_actions)
		f.address == trail_role
	}
	rules == {
		["DDB-FGAC-002", "policy statement[0] allows dynamodb:Scan"],
		["DDB-FGAC-002-UNPROVABLE", "policy cannot be read before apply: Statement[1].Action is only known after apply"],
	}
}

test_an_effect_or_condition_operator_known_after_apply_is_not_judged if {
	tree := {"Statement": [
		{"Effect": after_apply(["aws_ssm_parameter.actions.value"]), "Action": "dynamodb:Scan", "Resource": "*"},
		{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*", "Condition": {"StringEquals": after_apply(["aws_vpc_endpoint.x"])}},
	]}
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tree); d.status == "unprovable"]
	document.reason == "Statement[0].Effect is only known after apply; Statement[1].Condition is only known after apply"
	{d.status | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tree)} == {"unprovable"}
}

tenant_items := {"Statement": [{
	"Effect": "Allow",
	"Action": ["dynamodb:GetItem", "dynamodb:Query"],
	"Resource": [after_apply([`aws_dynamodb_table.tenant["acme"].arn`])],
	"Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [after_apply(["aws_ssm_parameter.actions.value"])]}},
}]}

test_a_condition_value_known_after_apply_is_judged_as_for_a_data_source if {
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tenant_items)]
	document.statements[0].conditions == [{"operator": "forallvalues:stringequals", "key": "dynamodb:leadingkeys", "values": [], "known": false}]
	{f.rule |
		some f in leading_keys.violation with input as with_document("fgac-jsonencode-after-apply", trail_role, tenant_items)
		f.address == trail_role
	} == {"DDB-FGAC-001-UNPROVABLE"}
}

test_a_principal_known_after_apply_is_marked_unknown if {
	tree := {"Statement": [
		{
			"Effect": "Allow",
			"Principal": {"AWS": ["arn:aws:iam::111122223333:root", after_apply(["aws_iam_role.r.arn"])]},
			"Action": "dynamodb:GetItem",
			"Resource": "*",
		},
		{"Effect": "Deny", "NotPrincipal": after_apply(["aws_iam_role.r.arn"]), "Action": "dynamodb:GetItem", "Resource": "*"},
	]}
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tree)]
	document.statements[0].principals == {"kind": "Principal", "values": {"AWS:arn:aws:iam::111122223333:root"}, "known": false}
	document.statements[1].principals == {"kind": "NotPrincipal", "values": set(), "known": false}
}

test_a_not_resource_known_after_apply_keeps_its_kind if {
	tree := {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "NotResource": after_apply(["aws_dynamodb_table.tenant"]), "Sid": after_apply(["x.y"])}]}
	[document] := [d | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tree)]
	document.statements[0].resources.kind == "NotResource"
	document.statements[0].sid == ""
}

test_a_document_whose_statements_are_known_after_apply_is_unprovable if {
	reasons := {tree: {d.reason | some d in documents_of("fgac-jsonencode-after-apply", trail_role, tree)} |
		some tree in [after_apply(["x.y"]), {"Statement": after_apply(["x.y"])}, ["not", "an", "object"], {"Statement": [after_apply(["x.y"])]}]
	}
	reasons == {
		after_apply(["x.y"]): {"the policy is jsonencode() of a value known only after apply"},
		{"Statement": after_apply(["x.y"])}: {"Statement is only known after apply"},
		["not", "an", "object"]: {"the policy is not a JSON object"},
		{"Statement": [after_apply(["x.y"])]}: {"Statement[0] is only known after apply"},
	}
}
