# METADATA
# title: Policies do not allow reads of a whole table (Scan, full-table PartiQL SELECT)
# description: >-
#   Scan reads every item of a table or index and cannot be restricted by dynamodb:LeadingKeys,
#   so it bypasses fine-grained access control. An Allow that covers dynamodb:Scan by name, by a
#   wildcard (dynamodb:*, dynamodb:S*, *) or through NotAction is a violation, unless the same
#   document has an unconditional Deny that covers Scan. dynamodb:PartiQLSelect is read the same
#   way: a SELECT without the partition key in its WHERE clause scans the table, and then
#   dynamodb:LeadingKeys has no value, so a ForAllValues condition on it holds vacuously. It is
#   refused only by a Deny covering PartiQLSelect whose every condition is Bool (or BoolIfExists)
#   dynamodb:FullTableScan = true (or that has none), or by an Allow conditioned on Bool
#   dynamodb:FullTableScan = false. BatchGetItem and Query (on the table or an index) always carry
#   the partition key, so LeadingKeys binds them (DDB-FGAC-001). One finding per statement names
#   both actions when both are allowed. Policies are read as for DDB-FGAC-001; one that cannot be
#   read before apply is DDB-FGAC-002-UNPROVABLE.
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
import data.ddb_guardrails.lib.iam_conditions

violation contains finding if {
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
	actions := whole_table_reads(document, statement)
	count(actions) > 0
	finding := findings.violation(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows %s", [document.path, i, concat(", ", [iam.display_name(action) | some action in sort(actions)])]),
		[sprintf("%s statement[%d]: %s", [document.origin, i, evidence(statement, action)]) | some action in sort(actions)],
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

denies_scan(document) if {
	some statement in document.statements
	iam.denies(statement)
	iam.applies_to_dynamodb(statement)
	iam.unconditional(statement)
	iam.covers(statement, "scan")
}

# Scan, and a PartiQL SELECT that may leave out the partition key (dynamodb:LeadingKeys is then
# absent, so even a ForAllValues condition on it holds).
whole_table_reads(document, statement) := {action |
	some action in {"scan", "partiqlselect"}
	iam.covers(statement, action)
	not refused(document, statement, action)
}

refused(document, _, "scan") if denies_scan(document)

refused(document, statement, "partiqlselect") if iam_conditions.full_table_select_refused(document, statement)

evidence(statement, "scan") := iam.why_covered(statement, "scan")

evidence(statement, "partiqlselect") := sprintf("%s (%s; no Deny on dynamodb:FullTableScan)", [
	iam.why_covered(statement, "partiqlselect"),
	iam_conditions.describe_conditions(statement),
])
