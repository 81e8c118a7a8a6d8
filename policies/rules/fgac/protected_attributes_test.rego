package ddb_guardrails.rules.fgac.protected_attributes_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "fgac/protected_attributes"

test_writes_without_a_deny_on_protected_attributes_are_flagged if {
	fixtures.findings_for(subject, "fgac-protected-attributes") == {
		["aws_iam_policy.invalid_no_attribute_deny", "DDB-FGAC-004"],
		["aws_iam_role_policy.invalid_partial_deny", "DDB-FGAC-004"],
		["aws_iam_policy.invalid_ignorecase_partial", "DDB-FGAC-004"],
		["aws_iam_user_policy.invalid_negated_allowlist", "DDB-FGAC-004"],
		["aws_iam_policy.invalid_unresolvable_writer", "DDB-FGAC-004-UNPROVABLE"],
		["aws_iam_policy.invalid_resource_through_local", "DDB-FGAC-004-UNPROVABLE"],
	}
}

test_the_message_lists_the_attributes_still_writable if {
	messages := {f.message | some f in fixtures.violations(subject, fixtures.plan("fgac-protected-attributes"))}
	"policy statement[0] allows dynamodb:UpdateItem on aws_dynamodb_table.users without a Deny on its protected attributes role" in messages
	concat(" ", [
		"policy statement[0] allows dynamodb:PutItem, dynamodb:UpdateItem on aws_dynamodb_table.users",
		"without a Deny on its protected attributes isAdmin, role",
	]) in messages
}

test_the_default_list_is_a_parameter if {
	messages := {f.message |
		some f in fixtures.violations(subject, fixtures.plan("fgac-protected-attributes"))
			with data.ddb_guardrails_config.parameters as {"protected_attributes": ["isAdmin", "tier"]}
	}
	"policy statement[0] allows dynamodb:UpdateItem on aws_dynamodb_table.users without a Deny on its protected attributes role, tier" in messages
}

test_plans_without_tagged_tables_are_not_judged if {
	fixtures.findings_for(subject, "fgac-leading-keys") == set()
	fixtures.findings_for(subject, "fgac-scan-admin") == set()
}

test_a_negated_allowlist_protects_only_what_it_names if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-protected-attributes"))
	f.address == "aws_iam_user_policy.invalid_negated_allowlist"
	endswith(f.message, "without a Deny on its protected attributes isAdmin")
}

# Writes on the table an SSM parameter names may be writes on the protected table.
test_writes_on_a_table_named_by_a_value_other_than_an_arn_are_flagged if {
	found := {pair | some pair in fixtures.findings_for(subject, "fgac-opaque-resource-refs"); pair[1] == "DDB-FGAC-004"}
	found == {["aws_iam_role_policy.invalid_write_parameter_table", "DDB-FGAC-004"]}
	some f in fixtures.violations(subject, fixtures.plan("fgac-opaque-resource-refs"))
	f.rule == "DDB-FGAC-004"
	f.witness.resource == "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	f.witness.context["dynamodb:Attributes"] == ["isAdmin"]
}
