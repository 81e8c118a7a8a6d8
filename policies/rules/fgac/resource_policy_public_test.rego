package ddb_guardrails.rules.fgac.resource_policy_public_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "fgac/resource_policy_public"

test_any_principal_without_condition_is_flagged if {
	fixtures.findings_for(subject, "fgac-resource-policy") == {
		["aws_dynamodb_resource_policy.invalid_any_principal", "DDB-FGAC-005"],
		["aws_dynamodb_resource_policy.invalid_open_document", "DDB-FGAC-005"],
		["aws_dynamodb_resource_policy.invalid_unknown_principal", "DDB-FGAC-005-UNPROVABLE"],
		["aws_dynamodb_resource_policy.invalid_unresolvable_policy", "DDB-FGAC-005-UNPROVABLE"],
	}
}

test_not_principal_is_any_principal_and_named_principals_pass if {
	fixtures.findings_for(subject, "fgac-policy-shapes") == {
		["aws_dynamodb_resource_policy.invalid_not_principal", "DDB-FGAC-005"],
		["aws_dynamodb_resource_policy.invalid_data_not_principal", "DDB-FGAC-005"],
	}
}

test_evidence_shows_the_principal if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-resource-policy"))
	f.address == "aws_dynamodb_resource_policy.invalid_any_principal"
	f.evidence == ["policy statement[0]: Principal [\"*\"], no Condition"]
}

test_identity_policies_are_not_resource_policies if {
	fixtures.findings_for(subject, "fgac-leading-keys") == set()
}

test_only_a_condition_that_narrows_the_caller_restricts_any_principal if {
	fixtures.findings_for(subject, "fgac-resource-policy-conditions") == {[address, "DDB-FGAC-005"] |
		some name in [
			"invalid_current_time", "invalid_for_all_values_org", "invalid_for_any_value_account",
			"invalid_leading_keys_anonymous", "invalid_management_to_anyone", "invalid_negated_account",
			"invalid_not_principal_secure_transport", "invalid_null_org", "invalid_org_if_exists",
			"invalid_principal_arn_any_account", "invalid_principal_arn_star", "invalid_secure_transport",
			"invalid_self_variable", "invalid_source_account_any_principal", "invalid_source_ip_anywhere",
		]
		address := concat(".", ["aws_dynamodb_resource_policy", name])
	}
}

test_evidence_shows_the_conditions_that_narrow_nothing if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-resource-policy-conditions"))
	f.address == "aws_dynamodb_resource_policy.invalid_org_if_exists"
	f.message == "policy statement[0] allows any principal with no condition that narrows the caller"
	f.evidence == ["policy statement[0]: Principal [\"*\"], Condition stringequalsifexists aws:principalorgid [\"o-abc123\"]"]
}

test_management_actions_to_any_principal_are_named if {
	some f in fixtures.violations(subject, fixtures.plan("fgac-resource-policy-conditions"))
	f.address == "aws_dynamodb_resource_policy.invalid_management_to_anyone"
	endswith(f.message, concat(" ", [
		"including management actions dynamodb:CreateBackup, dynamodb:DeleteTable, dynamodb:PutResourcePolicy,",
		"dynamodb:RestoreTableFromBackup, dynamodb:RestoreTableToPointInTime",
	]))
}

# The ResourcePolicy of a table in a template is a resource policy of the plan.
test_template_table_resource_policies_are_judged if {
	fixtures.findings_for(subject, "cfn-stack-iam") == {
		["aws_cloudformation_stack.invalid_public_resource_policy", "DDB-FGAC-005"],
		["aws_cloudformation_stack.invalid_template_url", "DDB-FGAC-005-UNPROVABLE"],
	}
}

test_the_witness_is_a_request_from_another_account if {
	found := fixtures.violations(subject, fixtures.plan("fgac-resource-policy"))
	some f in found
	f.address == "aws_dynamodb_resource_policy.invalid_any_principal"
	f.witness.action == "dynamodb:DescribeTable"
	f.witness.principal.account == "999999999999"
}
