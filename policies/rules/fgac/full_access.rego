# METADATA
# title: Policies do not allow every DynamoDB action on every table
# description: >-
#   An Allow of dynamodb:* (or *, or a NotAction that excludes no DynamoDB action) that lets its
#   caller administer a table no configuration names (DeleteTable, PutResourcePolicy,
#   ExportTableToPointInTime, UpdateContinuousBackups, asked of the IAM evaluation core with the
#   document's Deny statements in force) grants administration of every table: Resource "*", an
#   ARN pattern such as arn:aws:dynamodb:*:*:table/* or table/* of one account and region, or
#   NotResource. A condition on dynamodb:LeadingKeys does not narrow it: these requests carry no
#   leading key, so a ForAllValues condition holds. The first request that gets through is the
#   finding's witness. Policies are read as for DDB-FGAC-001; one that cannot be read before apply
#   is DDB-FGAC-003-UNPROVABLE.
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
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.wildcard as wildcards

violation contains finding if {
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.covered_actions(statement) == iam.dynamodb_actions
	found := requests.witness(requests.candidates(document, statement, administration, sort(requests.probe_tables(statement)), [{}]))
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			document.holder,
			sprintf("%s statement[%d] allows every DynamoDB action on every table", [document.path, i]),
			[sprintf("%s statement[%d]: %s on %s", [document.origin, i, actions_text(statement), reach(statement, found.resource)])],
		),
		{"witness": found},
	)
}

violation contains finding if {
	some document in iam.data_access_documents
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		concat("", [document.path, " cannot be read before apply: ", document.reason]),
		[concat(": ", [document.origin, document.reason])],
	)
}

# Administration of a table no configuration names, asked without any context: a condition on
# dynamodb:LeadingKeys holds vacuously for these actions (they carry no leading key).
administration := [
	"dynamodb:DeleteTable",
	"dynamodb:PutResourcePolicy",
	"dynamodb:ExportTableToPointInTime",
	"dynamodb:UpdateContinuousBackups",
]

# The patterns of the statement that reach the table asked about, as written.
reach(statement, _) := sprintf("NotResource %s", [json.marshal(statement.resources.values)]) if {
	statement.resources.kind == "NotResource"
}

reach(statement, resource) := concat(", ", patterns) if {
	statement.resources.kind == "Resource"
	patterns := [sprintf("Resource %s", [value]) |
		some value in statement.resources.values
		wildcards.matches(value, resource)
	]
	count(patterns) > 0
} else := "Resource (known only after apply)" if {
	statement.resources.kind == "Resource"
}

actions_text(statement) := sprintf("%s %s", [statement.actions.kind, json.marshal(statement.actions.patterns)])
