# METADATA
# title: Table resource policies do not grant access to any principal without a condition
# description: >-
#   An aws_dynamodb_resource_policy statement that allows Principal "*" (or {"AWS": "*"}, or uses
#   NotPrincipal) with no Condition opens the table or stream to every AWS account. Principals are
#   read from the JSON or from the aws_iam_policy_document data source; principals known only
#   after apply, or a policy that cannot be read, are DDB-FGAC-005-UNPROVABLE.
# custom:
#   id: DDB-FGAC-005
#   guardrail: fgac
#   severity: critical
#   remediation: >-
#     Name the principals (account or role ARNs), or add a condition that restricts the caller
#     (aws:PrincipalOrgID, aws:SourceVpce, aws:PrincipalArn).
#   concept: IAM-only access model (no DB users)
#   example: |
#     data "aws_iam_policy_document" "table" {
#       statement {
#         actions   = ["dynamodb:GetItem"]
#         resources = [aws_dynamodb_table.sessions.arn]
#         principals {
#           type        = "AWS"
#           identifiers = [aws_iam_role.reader.arn]
#         }
#       }
#     }
#
#     resource "aws_dynamodb_resource_policy" "sessions" {
#       resource_arn = aws_dynamodb_table.sessions.arn
#       policy       = data.aws_iam_policy_document.table.json
#     }
package ddb_guardrails.rules.fgac.resource_policy_public

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam

violation contains finding if {
	some [document, i, statement] in allow_statements
	statement.principals.known
	iam.any_principal(statement)
	iam.unconditional(statement)
	finding := findings.violation(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows any principal with no condition", [document.path, i]),
		[sprintf("%s statement[%d]: %s %s, no Condition", [document.origin, i, statement.principals.kind, json.marshal(statement.principals.values)])],
	)
}

violation contains finding if {
	some [document, i, statement] in allow_statements
	not statement.principals.known
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d]: the principals are only known after apply", [document.path, i]),
		[sprintf("%s statement[%d].principals: (known after apply)", [document.origin, i])],
	)
}

violation contains finding if {
	some document in iam.documents_of_kind("dynamodb_resource")
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s cannot be read before apply: %s", [document.path, document.reason]),
		[sprintf("%s: %s", [document.origin, document.reason])],
	)
}

allow_statements contains [document, i, statement] if {
	some document in iam.documents_of_kind("dynamodb_resource")
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
}
