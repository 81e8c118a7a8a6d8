package ddb_guardrails.rules.fgac.trust_policy_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.fgac.trust_policy

subject := "fgac/trust_policy"

test_roles_with_table_access_open_to_callers_from_anywhere_are_flagged if {
	fixtures.findings_for(subject, "reach-trust") == {
		["aws_iam_role.invalid_any_account_tags_session", "DDB-FGAC-007"],
		["aws_iam_role.invalid_star_principal", "DDB-FGAC-007"],
		["aws_iam_role.invalid_cognito_any_pool", "DDB-FGAC-007"],
		["aws_iam_role.invalid_github_any_repository", "DDB-FGAC-007"],
		["aws_iam_role.invalid_trust_after_apply", "DDB-FGAC-007-UNPROVABLE"],
	}
}

test_a_caller_that_may_tag_its_session_picks_the_tenant if {
	f := fixtures.finding_on(subject, "reach-trust", "aws_iam_role.invalid_any_account_tags_session")
	f.message == concat("", [
		"assume_role_policy statement[0] lets any principal of any account become the role, which reaches table data, ",
		"and pick any tenant session tag its access is bound to",
	])
	f.witness == {
		"principal": {"arn": "arn:aws:iam::999999999999:role/any-role", "account": "999999999999", "type": "AWS", "tags": {}},
		"action": "sts:AssumeRole",
		"resource": "arn:aws:iam::<this account>:role/tenant-any-account",
		"context": {"aws:RequestTag/tenant": "any-tenant"},
	}
	f.evidence[1] == "the role's policies allow dynamodb:GetItem"
}

test_the_witness_meets_the_conditions_that_do_not_narrow_the_caller if {
	f := fixtures.finding_on(subject, "reach-trust", "aws_iam_role.invalid_star_principal")
	f.witness.context == {"aws:securetransport": "true"}
	f.witness.action == "sts:AssumeRole"
}

test_federated_callers_come_from_any_pool_or_repository if {
	cognito := fixtures.finding_on(subject, "reach-trust", "aws_iam_role.invalid_cognito_any_pool")
	cognito.witness.principal == {"arn": "cognito-identity.amazonaws.com", "account": "", "type": "Federated", "tags": {}}
	cognito.witness.context["cognito-identity.amazonaws.com:amr"] == ["unauthenticated"]
	github := fixtures.finding_on(subject, "reach-trust", "aws_iam_role.invalid_github_any_repository")
	github.witness.principal.arn == "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
	github.witness.action == "sts:AssumeRoleWithWebIdentity"
}

test_a_repository_or_pool_named_by_a_wildcard_is_not_named if {
	not trust_policy.names_value(
		{"conditions": [{"operator": "stringlike", "key": "k", "values": ["repo:*"], "known": true}]},
		"k",
	)
	not trust_policy.names_value(
		{"conditions": [{"operator": "stringnotequals", "key": "k", "values": ["repo:a/b:*"], "known": true}]},
		"k",
	)
	trust_policy.names_value(
		{"conditions": [{"operator": "stringequals", "key": "k", "values": ["repo:a/b:ref:refs/heads/main"], "known": true}]},
		"k",
	)
}

test_trust_policies_of_compliant_fixtures_pass if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "terraform-modules-tenant-access") == set()
}
