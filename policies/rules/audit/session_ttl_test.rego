package ddb_guardrails.rules.audit.session_ttl_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/session_ttl"

test_session_tables_without_ttl_are_flagged if {
	fixtures.findings_for(subject, "audit-session-ttl") == {
		["aws_dynamodb_table.invalid_session_without_ttl", "DDB-AUD-003"],
		["aws_dynamodb_table.invalid_session_ttl_disabled", "DDB-AUD-003"],
	}
}

test_session_tables_with_ttl_and_other_tables_pass if {
	not fixtures.finding_on(subject, "audit-session-ttl", "aws_dynamodb_table.valid_session_with_ttl")
	not fixtures.finding_on(subject, "audit-session-ttl", "aws_dynamodb_table.untagged_without_ttl")
}

test_the_evidence_names_the_tag if {
	fixtures.finding_on(subject, "audit-session-ttl", "aws_dynamodb_table.invalid_session_ttl_disabled").evidence == [
		"tags[\"ddb-guardrails:data-class\"] = \"session\"",
		"ttl[0].enabled = false, ttl[0].attribute_name = null",
	]
}

test_a_ttl_known_only_after_apply_is_unprovable if {
	["aws_dynamodb_table.valid_session_with_ttl", "DDB-AUD-003-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-session-ttl", "aws_dynamodb_table.valid_session_with_ttl",
		{
			"unknown": {"ttl": [{"enabled": true}]},
			"after": {"name": "sessions", "tags": {"ddb-guardrails:data-class": "session"}, "ttl": [{"attribute_name": "expires_at"}]},
		},
	)
}

test_default_tags_count_when_known if {
	["aws_dynamodb_table.untagged_without_ttl", "DDB-AUD-003"] in fixtures.findings_with_resource(
		subject, "audit-session-ttl", "aws_dynamodb_table.untagged_without_ttl",
		{"after": {"name": "orders", "tags": null, "tags_all": {"ddb-guardrails:data-class": "session"}, "ttl": [{"enabled": false}]}},
	)
}
