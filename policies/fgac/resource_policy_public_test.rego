package ddb_guardrails.rules.fgac.resource_policy_public_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.fgac.resource_policy_public

findings_for(name) := fixtures.pairs(violations(fixtures.plan(name)))

violations(plan) := result if {
	result := resource_policy_public.violation with input as plan
}

test_any_principal_without_condition_is_flagged if {
	findings_for("fgac-resource-policy") == {
		["aws_dynamodb_resource_policy.invalid_any_principal", "DDB-FGAC-005"],
		["aws_dynamodb_resource_policy.invalid_open_document", "DDB-FGAC-005"],
		["aws_dynamodb_resource_policy.invalid_unknown_principal", "DDB-FGAC-005-UNPROVABLE"],
		["aws_dynamodb_resource_policy.invalid_unresolvable_policy", "DDB-FGAC-005-UNPROVABLE"],
	}
}

test_not_principal_is_any_principal_and_named_principals_pass if {
	findings_for("fgac-policy-shapes") == {
		["aws_dynamodb_resource_policy.invalid_not_principal", "DDB-FGAC-005"],
		["aws_dynamodb_resource_policy.invalid_data_not_principal", "DDB-FGAC-005"],
	}
}

test_evidence_shows_the_principal if {
	some f in violations(fixtures.plan("fgac-resource-policy"))
	f.address == "aws_dynamodb_resource_policy.invalid_any_principal"
	f.evidence == ["policy statement[0]: Principal [\"*\"], no Condition"]
	f.severity == "critical"
}

test_identity_policies_are_not_resource_policies if {
	findings_for("fgac-leading-keys") == set()
}
