# METADATA
# title: Policies do not allow table administration on every table
# description: >-
#   PutResourcePolicy and DeleteResourcePolicy (rewrite who may access a table), DeleteTable,
#   UpdateTable, ExportTableToPointInTime (copy a table to any S3 bucket), RestoreTableFromBackup,
#   RestoreTableToPointInTime, DeleteBackup and UpdateContinuousBackups (turn point-in-time recovery
#   off) are privileges a workload never needs on every table. An Allow of any of them, by name,
#   wildcard or NotAction, on Resource "*", an ARN pattern that matches every table or backup
#   (arn:aws:dynamodb:*:*:table/*, or table/* of one account and region) or NotResource is a
#   violation; the same actions on named tables are not. A statement that allows every DynamoDB
#   action is DDB-FGAC-003 and is not reported again here. Identity policies are read as for
#   DDB-FGAC-001, including AWS-managed policies attached by ARN; one that cannot be read before
#   apply is DDB-FGAC-006-UNPROVABLE. Severity high, not critical: the caller must hold the
#   workload's credentials, and unlike DDB-FGAC-003 the grant alone does not read the data.
# custom:
#   id: DDB-FGAC-006
#   guardrail: fgac
#   severity: high
#   remediation: >-
#     Grant administration actions on the ARNs of the tables the principal operates
#     (aws_dynamodb_table.<name>.arn), or leave them to a separate deployment role; never on "*".
#   concept: IAM-only access model (no DB users)
#   example: |
#     data "aws_iam_policy_document" "operator" {
#       statement {
#         actions   = ["dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups"]
#         resources = [aws_dynamodb_table.sessions.arn] # not "*" or table/*
#       }
#     }
package ddb_guardrails.rules.fgac.admin_actions

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.wildcard as wildcards

privileged_actions := {
	"putresourcepolicy",
	"deleteresourcepolicy",
	"deletetable",
	"updatetable",
	"exporttabletopointintime",
	"restoretablefrombackup",
	"restoretabletopointintime",
	"deletebackup",
	"updatecontinuousbackups",
}

# A backup of a table no configuration names (DeleteBackup, RestoreTableFromBackup act on backups).
backup_suffix := "/backup/01234567890123-ddb-guardrails-probe"

# ARNs no configuration names: a pattern that matches one matches every table (or backup).
probe_arns := {
	"table/ddb-guardrails-probe",
	"table/ddb-guardrails-probe/backup/01234567890123-probe",
}

violation contains finding if {
	some document in iam.documents_of_kind("identity")
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	actions := iam.covered_actions(statement) & privileged_actions
	count(actions) > 0
	iam.covered_actions(statement) != iam.dynamodb_actions
	resources := every_table(statement)
	count(resources) > 0
	found := requests.witness(requests.candidates(
		document, statement,
		[iam.display_name(action) | some action in sort(actions)],
		sort({concat("", [table, suffix]) | some table in requests.probe_tables(statement); some suffix in ["", backup_suffix]}),
		[{}],
	))
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			document.holder,
			sprintf("%s statement[%d] allows %s on every table", [document.path, i, names(actions)]),
			[sprintf("%s statement[%d]: %s on %s", [
				document.origin, i, concat("; ", {iam.why_covered(statement, action) | some action in actions}), concat(", ", sort(resources)),
			])],
		),
		{"witness": found},
	)
}

violation contains finding if {
	some document in iam.documents_of_kind("identity")
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		concat("", [document.path, " cannot be read before apply: ", document.reason]),
		[concat(": ", [document.origin, document.reason])],
	)
}

every_table(statement) := {sprintf("NotResource %s", [excluded(statement.resources)])} if {
	statement.resources.kind == "NotResource"
}

every_table(statement) := {sprintf("Resource %s", [value]) |
	some value in statement.resources.values
	any_table(value)
} if {
	statement.resources.kind == "Resource"
}

excluded(resources) := json.marshal(resources.values) if resources.known

excluded(resources) := "(known only after apply)" if not resources.known

any_table("*")

# arn:<partition>:dynamodb:<region>:<account>:<resource>, whatever the region and account: every
# table of one account is still every table the workload could reach.
any_table(value) if {
	parts := split(lower(value), ":")
	count(parts) >= 6
	wildcards.matches(parts[2], "dynamodb")
	resource := concat(":", array.slice(parts, 5, count(parts)))
	some probe in probe_arns
	wildcards.matches(resource, probe)
}

names(actions) := concat(", ", [iam.display_name(action) | some action in sort(actions)])
