package ddb_guardrails.lib.iam_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.iam

statement(kind, patterns) := {"actions": {"kind": kind, "patterns": patterns, "written": patterns}}

test_action_list_is_generated_from_iam_data if {
	count(iam.dynamodb_actions) > 70
	{"getitem", "query", "partiqlselect", "batchwriteitem"} & iam.item_actions == {"getitem", "query", "partiqlselect", "batchwriteitem"}
	not "scan" in iam.item_actions
	iam.attribute_write_actions == {"putitem", "updateitem", "batchwriteitem", "partiqlinsert", "partiqlupdate"}
	iam.display_name("getitem") == "dynamodb:GetItem"
}

test_wildcards_match_like_iam if {
	iam.covered_actions(statement("Action", ["dynamodb:*"])) == iam.dynamodb_actions
	iam.covered_actions(statement("Action", ["*"])) == iam.dynamodb_actions
	iam.covered_actions(statement("Action", ["dynamodb:s*"])) == {action | some action in iam.dynamodb_actions; startswith(action, "s")}
	"scan" in iam.covered_actions(statement("Action", ["dynamodb:s*"]))
	iam.covered_actions(statement("Action", ["dynamodb:*item"])) == {action | some action in iam.dynamodb_actions; endswith(action, "item")}
	iam.covered_actions(statement("Action", ["dynamodb:get?tem"])) == {"getitem"}
	iam.covered_actions(statement("Action", ["s3:*"])) == set()
}

test_not_action_is_every_action_not_matched if {
	iam.covered_actions(statement("NotAction", ["dynamodb:*"])) == set()
	iam.covered_actions(statement("NotAction", ["iam:*"])) == iam.dynamodb_actions
	iam.covered_actions(statement("NotAction", ["dynamodb:scan"])) == iam.dynamodb_actions - {"scan"}
}

test_json_statements_normalise_lists_case_and_principals if {
	s := iam.json_statement({
		"Effect": "Allow",
		"Action": "DynamoDB:GetItem",
		"Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
		"Principal": {"AWS": "*", "Service": ["lambda.amazonaws.com"]},
		"Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "${aws:username}"}},
	})
	s.actions == {"kind": "Action", "patterns": ["dynamodb:getitem"], "written": ["DynamoDB:GetItem"]}
	s.resources.values == ["arn:aws:dynamodb:eu-west-1:111122223333:table/t"]
	s.principals.values == {"AWS:*", "Service:lambda.amazonaws.com"}
	iam.any_principal(s)
	s.conditions == [{"operator": "forallvalues:stringequals", "key": "dynamodb:leadingkeys", "values": ["${aws:username}"], "known": true}]
	iam.covers(s, "getitem")
}

test_policy_variables_are_found_in_values if {
	iam.variables_in("${aws:PrincipalTag/tenant}#${aws:username}") == {"aws:principaltag/tenant", "aws:username"}
	iam.variables_in("tenant-1") == set()
}

test_resources_that_reach_dynamodb if {
	iam.dynamodb_resource("*")
	iam.dynamodb_resource("arn:aws:dynamodb:*:*:table/x")
	iam.dynamodb_resource("arn:aws:*:*:*:*")
	iam.dynamodb_resource("arn*")
	not iam.dynamodb_resource("arn:aws:s3:::bucket/*")
}

documents_of(name) := result if {
	result := {[d.holder, d.path, d.kind, d.status] | some d in iam._documents} with input as fixtures.plan(name)
}

test_documents_are_read_from_every_holder if {
	{
		["aws_iam_role.invalid_inline_document", "inline_policy[0].policy", "identity", "known"],
		["aws_s3_bucket_policy.valid_bucket", "policy", "bucket", "known"],
		["aws_dynamodb_resource_policy.invalid_not_principal", "policy", "dynamodb_resource", "known"],
		["aws_iam_policy.invalid_merged_document", "policy", "identity", "known"],
		["aws_iam_policy.invalid_override_document", "policy", "identity", "unprovable"],
		["aws_iam_policy.invalid_dynamic_statements", "policy", "identity", "unprovable"],
	} - documents_of("fgac-policy-shapes") == set()
	{
		["aws_vpc_endpoint.invalid_no_policy", "policy", "endpoint", "absent"],
		["aws_vpc_endpoint_policy.valid_separate_policy", "policy", "endpoint", "known"],
		["module.endpoint.aws_vpc_endpoint.invalid_open_document", "policy", "endpoint", "known"],
	} - documents_of("endpoint-policy-routes") == set()
}

test_a_role_without_inline_policies_has_no_document if {
	holders := {d.holder | some d in iam._documents} with input as fixtures.plan("fgac-leading-keys")
	not "aws_iam_role.app" in holders
}

test_data_source_statements_follow_module_variables if {
	documents := iam._documents with input as fixtures.plan("fgac-leading-keys")
	some d in documents
	d.holder == "module.tenants[1].aws_iam_policy.invalid_constant_tenant[0]"
	d.origin == "policy <- module.tenants[1].data.aws_iam_policy_document.constant"
	[s] := d.statements
	s.effect == "Allow"
	s.resources.references == {{"kind": "resource", "address": "aws_dynamodb_table.sessions", "attributes": {"arn"}}}
	s.conditions[0].values == ["t1"]
}

test_data_source_escapes_become_policy_variables if {
	documents := iam._documents with input as fixtures.plan("fgac-leading-keys")
	some d in documents
	d.holder == "module.tenants[0].aws_iam_policy.valid_scoped"
	d.statements[0].conditions[0].values == ["${aws:userid}"]
}

test_data_source_principals_and_not_principals if {
	documents := iam._documents with input as fixtures.plan("fgac-resource-policy")
	some d in documents
	d.holder == "aws_dynamodb_resource_policy.valid_account_principal"
	d.statements[0].principals == {"kind": "Principal", "values": {"AWS:arn:aws:iam::444455556666:root"}, "known": true}
}

test_a_policy_that_is_not_a_json_object_is_unprovable if {
	every text in ["[]", "{", "", "null", "\"Statement\""] {
		iam._parse_json(text, "policy") == {"status": "unprovable", "origin": "policy", "reason": "the policy is not a JSON object"}
	}
	iam._parse_json(`{"Statement": []}`, "policy") == {"status": "known", "origin": "policy", "statements": []}
}

test_a_policy_with_a_duplicate_key_is_unprovable_naming_the_key if {
	marked := concat("", [iam._duplicate_key_marker, "\"Effect\" twice in .Statement[0]"])
	iam._parse_json(marked, "policy") == {
		"status": "unprovable", "origin": "policy",
		"reason": "the policy JSON has key \"Effect\" twice in .Statement[0]; AWS may apply either value",
	}
}

test_a_policy_nested_too_deep_is_unprovable_saying_so if {
	marked := concat("", [iam._unparsed_json_marker, "nests deeper than 100 levels"])
	iam._parse_json(marked, "policy") == {
		"status": "unprovable",
		"origin": "policy",
		"reason": "the policy JSON nests deeper than 100 levels",
	}
}

test_a_policy_too_large_to_parse_is_unprovable_saying_so if {
	marked := concat("", [iam._unparsed_json_marker, "needs at least 70 MiB to parse"])
	iam._parse_json(marked, "policy").reason == "the policy JSON needs at least 70 MiB to parse"
}

test_sources_are_described_for_evidence if {
	iam.describe({"kind": "data", "type": "aws_iam_policy", "address": "data.aws_iam_policy.p"}) == "data.aws_iam_policy.p (data source)"
	iam.describe({"kind": "constant", "value": ["a"]}) == "the constant [\"a\"]"
	iam.describe({"kind": "unresolved", "reference": "local.x"}) == "local.x (not resolvable from the plan)"
}

# A data source whose statement blocks as a whole are unknown (after_unknown.statement = true)
# must not read as a document without statements.
test_statements_unknown_as_a_whole_are_unprovable if {
	change := {"change": {"after": {}, "after_unknown": {"statement": true}}}
	iam._unreadable_reason(change) == "its statements are only known after apply"
}

test_several_reasons_make_one_message if {
	change := {"change": {"after": {"override_json": "{}"}, "after_unknown": {"statement": [{"actions": [true]}, {"effect": true}]}}}
	iam._unreadable_reason(change) == concat("; ", [
		"it merges override_json, which this model does not follow",
		"statement[0].actions is only known after apply",
		"statement[1].effect is only known after apply",
	])
}

test_lists_and_strings_default_to_empty if {
	iam._array_or_empty(null) == []
	iam._string_or_empty(null) == ""
}

test_source_policy_documents_come_first_known_or_followed if {
	documents := iam._documents with input as fixtures.plan("fgac-policy-shapes")
	some merged in documents
	merged.holder == "aws_iam_policy.invalid_merged_document"
	[merged.statements[0].actions.kind, merged.statements[1].actions.written] == ["NotAction", ["dynamodb:Query"]]
	some known in documents
	known.holder == "aws_iam_policy.invalid_known_source_scan"
	[known.statements[0].actions.written, known.statements[1].actions.written] == [["dynamodb:Scan"], ["dynamodb:DescribeTable"]]
}

test_a_merged_document_that_merges_in_turn_is_unprovable if {
	documents := iam._documents with input as fixtures.plan("fgac-policy-shapes")
	some d in documents
	d.holder == "aws_iam_policy.invalid_twice_merged"
	d.reason == "source_policy_documents includes data.aws_iam_policy_document.merged, which itself merges other documents"
}

test_every_statement_is_kept_whatever_its_principal_form if {
	statement := iam.json_statement({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*", "Principal": "arn:aws:iam::1:root"})
	statement.principals.values == {"arn:aws:iam::1:root"}
	not iam.any_principal(statement)
}
