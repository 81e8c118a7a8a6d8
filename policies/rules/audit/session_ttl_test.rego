package ddb_guardrails.rules.audit.session_ttl_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.audit.session_ttl as rule

# [address, rule id] of the rule's findings on a fixture plan; undefined when the fixture is missing.
findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

# The one finding of the rule on an address of a fixture.
finding_on(name, address) := f if {
	found := rule.violation with input as fixtures.plan(name)
	some f in found
	f.address == address
}

# Findings on a fixture with some fields of one resource of the model replaced.
findings_with_resource(name, address, fields) := fixtures.pairs(found) if {
	fixture := fixtures.plan(name)
	resources := data.ddb_guardrails.lib.plan.resources with input as fixture
	patched := object.union(resources, {address: object.union(resources[address], fields)})
	found := rule.violation with input as fixture with data.ddb_guardrails.lib.plan.resources as patched
}

test_session_tables_without_ttl_are_flagged if {
	findings_for("audit-session-ttl") == {
		["aws_dynamodb_table.invalid_session_without_ttl", "DDB-AUD-003"],
		["aws_dynamodb_table.invalid_session_ttl_disabled", "DDB-AUD-003"],
	}
}

test_session_tables_with_ttl_and_other_tables_pass if {
	not finding_on("audit-session-ttl", "aws_dynamodb_table.valid_session_with_ttl")
	not finding_on("audit-session-ttl", "aws_dynamodb_table.untagged_without_ttl")
}

test_the_evidence_names_the_tag if {
	finding_on("audit-session-ttl", "aws_dynamodb_table.invalid_session_ttl_disabled").evidence == [
		"tags[\"ddb-guardrails:data-class\"] = \"session\"",
		"ttl[0].enabled = false, ttl[0].attribute_name = null",
	]
}

test_a_ttl_known_only_after_apply_is_unprovable if {
	["aws_dynamodb_table.valid_session_with_ttl", "DDB-AUD-003-UNPROVABLE"] in findings_with_resource(
		"audit-session-ttl", "aws_dynamodb_table.valid_session_with_ttl",
		{
			"unknown": {"ttl": [{"enabled": true}]},
			"after": {"name": "sessions", "tags": {"ddb-guardrails:data-class": "session"}, "ttl": [{"attribute_name": "expires_at"}]},
		},
	)
}

test_default_tags_count_when_known if {
	["aws_dynamodb_table.untagged_without_ttl", "DDB-AUD-003"] in findings_with_resource(
		"audit-session-ttl", "aws_dynamodb_table.untagged_without_ttl",
		{"after": {"name": "orders", "tags": null, "tags_all": {"ddb-guardrails:data-class": "session"}, "ttl": [{"enabled": false}]}},
	)
}
