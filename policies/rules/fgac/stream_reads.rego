# METADATA
# title: Stream records are readable only on the streams of named tables
# description: >-
#   A table's stream carries every item written to it, with NEW_AND_OLD_IMAGES both versions: reading
#   the stream is a read of the whole table, which dynamodb:LeadingKeys does not restrict. An Allow in
#   an identity policy (read as for DDB-FGAC-001) of dynamodb:GetRecords or dynamodb:GetShardIterator, by
#   name, wildcard (dynamodb:Get*) or NotAction, on "*", NotResource or an ARN pattern that matches the
#   stream of every table (arn:aws:dynamodb:*:*:table/*, table/*/stream/* of one account and region) is
#   a violation: it reads every table's changes, those of tables created later included. The streams
#   of named tables (table/<name>/stream/*) are not flagged. A statement that allows every DynamoDB
#   action is DDB-FGAC-003's and is not reported again; stream access through a resource policy is
#   judged by DDB-FGAC-005 (any principal) and DDB-FGAC-010 (another account). A policy that cannot be
#   read before apply is reported by DDB-FGAC-006-UNPROVABLE.
# custom:
#   id: DDB-FGAC-009
#   guardrail: fgac
#   severity: high
#   remediation: >-
#     Grant dynamodb:GetRecords, GetShardIterator and DescribeStream on the stream ARN of the table the
#     consumer processes (aws_dynamodb_table.<name>.stream_arn), never on "*" or table/*.
#   concept: Fine-grained access control (FGAC)
#   example: |
#     data "aws_iam_policy_document" "consumer" {
#       statement {
#         actions   = ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"]
#         resources = [aws_dynamodb_table.sessions.stream_arn]
#       }
#     }
package ddb_guardrails.rules.fgac.stream_reads

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.plan

stream_actions := {"getrecords", "getsharditerator"}

# A stream ARN no configuration names.
probes := {["dynamodb", "table/ddb-guardrails-probe/stream/2026-01-01t00:00:00.000"]}

violation contains finding if {
	some document in iam.documents_of_kind("identity")
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	actions := iam.covered_actions(statement) & stream_actions
	count(actions) > 0
	iam.covered_actions(statement) != iam.dynamodb_actions
	reach.every_resource(statement, probes)
	holder := plan.resources[document.holder]
	finding := findings.witnessed(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows %s on the stream of every table", [
			document.path, i, concat(", ", [iam.display_name(action) | some action in sort(actions)]),
		]),
		[sprintf("%s statement[%d]: %s on %s", [
			document.origin, i, concat("; ", {iam.why_covered(statement, action) | some action in actions}),
			reach.describe_resources(statement),
		])],
		reach.witness(
			reach.holder_principal(document),
			iam.display_name(max(actions)),
			sprintf("arn:aws:dynamodb:%s:%s:table/any-table/stream/2026-01-01T00:00:00.000", [
				reach.region_text(holder), reach.account_text(holder),
			]),
			{},
		),
	)
}
