package ddb_guardrails.rules.fgac.stream_reads_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "fgac/stream_reads"

test_stream_reads_on_every_table_are_flagged if {
	fixtures.findings_for(subject, "reach-streams") == {
		["aws_iam_group_policy.invalid_every_stream", "DDB-FGAC-009"],
		["aws_iam_policy.invalid_stream_pattern", "DDB-FGAC-009"],
		["aws_iam_role_policy.invalid_wildcard_action", "DDB-FGAC-009"],
	}
}

test_the_witness_reads_another_tables_stream if {
	some f in fixtures.violations(subject, fixtures.plan("reach-streams"))
	f.address == "aws_iam_role_policy.invalid_wildcard_action"
	f.message == "policy statement[0] allows dynamodb:GetRecords, dynamodb:GetShardIterator on the stream of every table"
	f.witness == {
		"principal": {"arn": "arn:aws:iam::<this account>:role/reader", "account": "<this account>", "type": "AWS", "tags": {}},
		"action": "dynamodb:GetShardIterator",
		"resource": "arn:aws:dynamodb:eu-west-1:<this account>:table/any-table/stream/2026-01-01T00:00:00.000",
		"context": {},
	}
}

test_every_dynamodb_action_is_left_to_full_access if {
	fixtures.findings_for(subject, "fgac-admin-actions") == set()
	fixtures.findings_for(subject, "model-compliant-stack") == set()
}

test_the_managed_lambda_dynamodb_execution_role_reads_every_stream if {
	fixtures.findings_for(subject, "fgac-service-roles-insecure") == {["aws_iam_role_policy_attachment.invalid_lambda_streams", "DDB-FGAC-009"]}
	fixtures.findings_for(subject, "fgac-service-roles") == set()
}
