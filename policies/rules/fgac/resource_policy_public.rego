# METADATA
# title: Table resource policies do not grant access to any principal without a condition that narrows the caller
# description: >-
#   An aws_dynamodb_resource_policy statement (table, stream or index), or one of the ResourcePolicy
#   of a table in a CloudFormation template (read as for DDB-FGAC-001), that allows Principal "*"
#   (or {"AWS": "*"}, or uses NotPrincipal) opens it to every AWS account unless one of its
#   conditions narrows who can call: StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals or
#   ArnLike on aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceVpce or
#   aws:SourceVpc (aws:SourceAccount and aws:SourceArn only when every principal is a service), with
#   every value specific. A condition narrows nothing when its key says nothing about the caller
#   (aws:SecureTransport, aws:CurrentTime, aws:SourceIp even when not 0.0.0.0/0,
#   dynamodb:LeadingKeys of an anonymous caller), when its operator is ...IfExists, negated
#   (StringNotEquals...), Null, or a set operator (ForAnyValue:/ForAllValues:), or when a value
#   matches everyone: a * or ? under StringLike/ArnEquals/ArnLike (for an ARN, unless its account
#   field is written out), or a policy variable other than ${aws:ResourceAccount} and
#   ${aws:ResourceOrgID} (aws:PrincipalArn = ${aws:PrincipalArn} always holds). Values known only
#   after apply come from a resource of the plan and count as specific. The message names the
#   management actions granted (PutResourcePolicy, DeleteResourcePolicy, DeleteTable, UpdateTable,
#   ExportTableToPointInTime, RestoreTable*, CreateBackup, DeleteBackup). Principals are read from
#   the JSON or from the aws_iam_policy_document data source; principals known only after apply, or
#   a policy that cannot be read, are DDB-FGAC-005-UNPROVABLE. A finding carries as witness the
#   request of a principal of another account that the IAM evaluation core lets through, when it
#   finds one (conditions on the time, the source address or session values it does not vary leave
#   some findings without one).
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
import data.ddb_guardrails.lib.iam.conditions as iam_conditions
import data.ddb_guardrails.lib.iam.requests

violation contains finding if {
	some [document, i, statement] in allow_statements
	statement.principals.known
	iam.any_principal(statement)
	not iam_conditions.narrows_caller(statement)
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			document.holder,
			sprintf("%s statement[%d] allows any principal %s%s", [document.path, i, condition_text(statement), management_text(statement)]),
			[sprintf("%s statement[%d]: %s %s, %s", [
				document.origin, i,
				statement.principals.kind, json.marshal(statement.principals.values),
				iam_conditions.describe_conditions(statement),
			])],
		),
		witness(document, statement),
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
		concat("", [document.path, " cannot be read before apply: ", document.reason]),
		[concat(": ", [document.origin, document.reason])],
	)
}

# A list, not a set: each element holds its whole document (see iam.documents_of_kind).
allow_statements := [[document, i, statement] |
	some document in iam.documents_of_kind("dynamodb_resource")
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
]

condition_text(statement) := "with no condition" if iam.unconditional(statement)

condition_text(statement) := "with no condition that narrows the caller" if not iam.unconditional(statement)

# Control of the table itself: its policy, its existence, its schema, copies of its data.
management_actions := {
	"putresourcepolicy", "deleteresourcepolicy", "deletetable", "updatetable", "exporttabletopointintime",
	"restoretablefrombackup", "restoretabletopointintime", "createbackup", "deletebackup",
}

management_text(statement) := "" if count(iam.covered_actions(statement) & management_actions) == 0

management_text(statement) := sprintf(", including management actions %s", [concat(", ", [iam.display_name(action) |
	some action in sort(iam.covered_actions(statement) & management_actions)
])]) if {
	count(iam.covered_actions(statement) & management_actions) > 0
}

# The request by a principal of another account that gets through, when the evaluation core finds one
# among the reads, writes and management actions the statement covers.
witness(document, statement) := {"witness": found} if {
	found := requests.witness(requests.candidates(
		document, statement,
		[iam.display_name(action) | some action in sort(((iam.covered_actions(statement) & asked_actions) | {min(iam.covered_actions(statement))}))],
		requests.resources(statement),
		[{"aws:CurrentTime": requests.now, "aws:SourceIp": "203.0.113.7"}],
	))
} else := {}

asked_actions := {"getitem", "scan", "query", "putitem", "deletetable", "putresourcepolicy", "exporttabletopointintime", "getrecords"}
