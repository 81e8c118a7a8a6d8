package ddb_guardrails.rules.fgac.privilege_escalation_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.fgac.privilege_escalation

subject := "fgac/privilege_escalation"

test_iam_writes_on_every_role_user_or_policy_are_flagged if {
	fixtures.findings_for(subject, "reach-escalation") == {
		["aws_iam_policy.invalid_not_action_dynamodb", "DDB-FGAC-008"],
		["aws_iam_role_policy.invalid_attach_role_policy_anywhere", "DDB-FGAC-008"],
		["aws_iam_user_policy.invalid_create_policy_version", "DDB-FGAC-008"],
		["aws_iam_group_policy.invalid_pass_any_role", "DDB-FGAC-008"],
		["aws_iam_role_policy.invalid_tag_any_role", "DDB-FGAC-008"],
	}
}

test_the_witness_is_the_principal_writing_its_own_permissions if {
	f := fixtures.finding_on(subject, "reach-escalation", "aws_iam_role_policy.invalid_attach_role_policy_anywhere")
	f.message == "policy statement[0] allows iam:AttachRolePolicy, iam:PutRolePolicy on every role: the principal can grant itself any table access"
	f.witness == {
		"principal": {"arn": "arn:aws:iam::<this account>:role/operator", "account": "<this account>", "type": "AWS", "tags": {}},
		"action": "iam:PutRolePolicy",
		"resource": "arn:aws:iam::<this account>:role/any-role",
		"context": {},
	}
	f.evidence == [`policy statement[0]: Action ["iam:AttachRolePolicy","iam:PutRolePolicy"] on Resource ["arn:aws:iam::*:role/*"]`]
}

test_not_action_dynamodb_allows_every_iam_write if {
	f := fixtures.finding_on(subject, "reach-escalation", "aws_iam_policy.invalid_not_action_dynamodb")
	f.witness.action == "iam:PutRolePolicy"
	contains(f.message, "iam:CreatePolicyVersion")
}

test_retagging_is_escalation_only_where_access_is_bound_to_principal_tags if {
	f := fixtures.finding_on(subject, "reach-escalation", "aws_iam_role_policy.invalid_tag_any_role")
	f.witness.principal.arn == "arn:aws:iam::<this account>:role/tenant"
	f.witness.action == "iam:TagRole"
	not privilege_escalation.plan_binds_principal_tags with input as fixtures.plan("reach-streams")
}

test_fixtures_without_iam_writes_pass if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "fgac-admin-actions") == set()
}
