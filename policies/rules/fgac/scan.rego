# METADATA
# title: Policies do not allow reads of a whole table (Scan, full-table PartiQL SELECT)
# description: >-
#   Scan reads every item of a table or index and cannot be restricted by dynamodb:LeadingKeys,
#   so it bypasses fine-grained access control. The rule asks the IAM evaluation core whether the
#   caller of each Allow that covers dynamodb:Scan (by name, wildcard or NotAction) can Scan
#   (Select ALL_ATTRIBUTES) a table the statement reaches, with the document's Deny statements in
#   force: a Deny that names another table, or carries a condition the caller need not meet, does
#   not refuse it. dynamodb:PartiQLSelect is asked the same way with dynamodb:FullTableScan = true:
#   a SELECT without the partition key scans the table, and then dynamodb:LeadingKeys has no value,
#   so a ForAllValues condition on it holds vacuously; a Deny on FullTableScan = true, or an Allow
#   requiring it to be false, refuses it. BatchGetItem and Query always carry the partition key,
#   so LeadingKeys binds them (DDB-FGAC-001). One finding per statement names both actions when
#   both are allowed, with the first request that gets through as its witness. Policies are read
#   as for DDB-FGAC-001, service roles included (a Glue crawler's role that may Scan the table is
#   flagged, with the role as the witness's caller); one that cannot be read before apply is
#   DDB-FGAC-002-UNPROVABLE.
# custom:
#   id: DDB-FGAC-002
#   guardrail: fgac
#   severity: high
#   remediation: >-
#     Grant Query (with dynamodb:LeadingKeys) instead of Scan; replace wildcards and NotAction with
#     the exact actions the workload needs, or add a Deny statement for dynamodb:Scan and for
#     dynamodb:PartiQLSelect when dynamodb:FullTableScan is true.
#   concept: Fine-grained access control (FGAC)
#   example: |
#     data "aws_iam_policy_document" "reader" {
#       statement {
#         actions   = ["dynamodb:GetItem", "dynamodb:Query"] # not dynamodb:* or dynamodb:S*
#         resources = [aws_dynamodb_table.sessions.arn]
#         condition {
#           test     = "ForAllValues:StringEquals"
#           variable = "dynamodb:LeadingKeys"
#           values   = ["$${aws:PrincipalTag/tenant}"]
#         }
#       }
#     }
package ddb_guardrails.rules.fgac.scan

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.conditions as iam_conditions
import data.ddb_guardrails.lib.iam.requests

violation contains finding if {
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
	reads := {action: found |
		some action in ["scan", "partiqlselect"]
		iam.covers(statement, action)
		found := requests.witness(requests.candidates(document, statement, [questions[action].action], requests.resources(statement), questions[action].contexts))
	}
	count(reads) > 0
	actions := {action | some action, _ in reads}
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			document.holder,
			sprintf("%s statement[%d] allows %s", [document.path, i, concat(", ", [iam.display_name(action) | some action in sort(actions)])]),
			[sprintf("%s statement[%d]: %s", [document.origin, i, evidence(statement, action)]) | some action in sort(actions)],
		),
		{"witness": reads[min(actions)]},
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

# The requests that read a whole table: a Scan of every attribute, and a PartiQL SELECT without
# the partition key (dynamodb:LeadingKeys is then absent, so a ForAllValues condition on it holds,
# and DynamoDB sets dynamodb:FullTableScan to true, so BoolIfExists reads as Bool).
questions := {
	"scan": {"action": "dynamodb:Scan", "contexts": [{"dynamodb:Select": "ALL_ATTRIBUTES"}]},
	"partiqlselect": {"action": "dynamodb:PartiQLSelect", "contexts": [{"dynamodb:FullTableScan": "true"}]},
}

evidence(statement, "scan") := iam.why_covered(statement, "scan")

evidence(statement, "partiqlselect") := sprintf("%s (%s)", [
	iam.why_covered(statement, "partiqlselect"),
	iam_conditions.describe_conditions(statement),
])
