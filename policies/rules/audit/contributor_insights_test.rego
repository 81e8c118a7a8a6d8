package ddb_guardrails.rules.audit.contributor_insights_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/contributor_insights"

test_tables_without_contributor_insights_are_flagged if {
	fixtures.findings_for(subject, "audit-monitoring") == {["aws_dynamodb_table.invalid_no_contributor_insights", "DDB-AUD-007"]}
	fixtures.findings_for(subject, "audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-007"]}
}

test_a_table_name_that_cannot_be_followed_is_unprovable if {
	fixtures.findings_for(subject, "audit-monitoring-unprovable") == {["aws_dynamodb_table.unprovable_monitoring", "DDB-AUD-007-UNPROVABLE"]}
}

test_the_secure_table_construct_turns_it_on if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "terraform-modules-secure-table") == set()
}

test_a_table_name_by_reference_counts if {
	insights := {
		"address": "aws_dynamodb_contributor_insights.i",
		"mode": "managed",
		"type": "aws_dynamodb_contributor_insights",
		"name": "i",
		"change": {"actions": ["create"], "after": {}, "after_unknown": {"table_name": true}},
	}
	table := {
		"address": "aws_dynamodb_table.t",
		"mode": "managed",
		"type": "aws_dynamodb_table",
		"name": "t",
		"change": {"actions": ["create"], "after": {"name": "t"}, "after_unknown": {}},
	}
	plan := {
		"resource_changes": [insights, table],
		"configuration": {"root_module": {"resources": [
			{"address": "aws_dynamodb_contributor_insights.i", "expressions": {"table_name": {"references": ["aws_dynamodb_table.t.name", "aws_dynamodb_table.t"]}}},
			{"address": "aws_dynamodb_table.t", "expressions": {}},
		]}},
	}
	found := fixtures.violations(subject, plan)
	count(found) == 0
}

test_a_table_of_another_account_is_not_covered_by_this_accounts_contributor_insights_resource if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {"account_ids": ["111122223333"]})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-007"]}
	some f in found
	"aws_dynamodb_contributor_insights.sessions is in account 111122223333, the table in account 444455556666" in f.evidence
}

# The default provider names no account: the Contributor Insights resource may be in 444455556666 too. The table of its
# own provider configuration is covered all the same.
test_without_this_accounts_id_a_table_of_a_named_account_is_unprovable_for_contributor_insights if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-007-UNPROVABLE"]}
	some f in found
	f.evidence == [concat("", [
		"aws_dynamodb_contributor_insights.sessions is in an account the plan does not name, the table in account 444455556666: ",
		"whether they are one account is only known at apply",
	])]
}
