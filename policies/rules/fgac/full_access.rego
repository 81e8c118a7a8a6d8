# METADATA
# title: Policies do not allow every DynamoDB action on every table
# description: >-
#   An Allow of dynamodb:* (or *, or a NotAction that excludes no DynamoDB action) on Resource "*"
#   (or an ARN pattern that matches every table) grants administration of every table in the
#   account (DeleteTable, PutResourcePolicy, RestoreTable..., plus all data). Policies are read as
#   for DDB-FGAC-001; one that cannot be read before apply is DDB-FGAC-003-UNPROVABLE.
# custom:
#   id: DDB-FGAC-003
#   guardrail: fgac
#   severity: critical
#   remediation: >-
#     List the actions the workload needs and the ARNs of its tables (aws_dynamodb_table.<name>.arn
#     and its /index/* ARN) instead of dynamodb:* on "*".
#   concept: IAM-only access model (no DB users)
#   example: |
#     data "aws_iam_policy_document" "operator" {
#       statement {
#         actions   = ["dynamodb:DescribeTable", "dynamodb:UpdateTimeToLive"]
#         resources = [aws_dynamodb_table.sessions.arn]
#       }
#     }
package ddb_guardrails.rules.fgac.full_access

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.wildcard as wildcards

# An ARN no configuration names: a resource pattern that matches it matches every table.
probe_table_arn := "arn:aws:dynamodb:xx-probe-1:000000000000:table/ddb-guardrails-probe"

violation contains finding if {
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.covered_actions(statement) == iam.dynamodb_actions
	some resource in every_table(statement)
	finding := findings.violation(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows every DynamoDB action on every table", [document.path, i]),
		[sprintf("%s statement[%d]: %s on %s", [document.origin, i, actions_text(statement), resource])],
	)
}

violation contains finding if {
	some document in iam.data_access_documents
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s cannot be read before apply: %s", [document.path, document.reason]),
		[sprintf("%s: %s", [document.origin, document.reason])],
	)
}

every_table(statement) := {sprintf("NotResource %s", [json.marshal(statement.resources.values)])} if {
	statement.resources.kind == "NotResource"
}

every_table(statement) := {sprintf("Resource %s", [value]) |
	some value in statement.resources.values
	wildcards.matches(lower(value), probe_table_arn)
} if {
	statement.resources.kind == "Resource"
}

actions_text(statement) := sprintf("%s %s", [statement.actions.kind, json.marshal(statement.actions.patterns)])
