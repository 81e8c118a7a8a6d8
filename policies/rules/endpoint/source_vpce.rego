# METADATA
# title: Data access of workloads in a VPC is pinned to the VPC endpoint with aws:SourceVpce
# description: >-
#   A credential taken from a function in a VPC works from anywhere unless the policy requires the
#   request to come through the VPC endpoint. For every Lambda function with vpc_config, every
#   identity policy of its execution role in the plan (inline, aws_iam_role_policy, attached
#   aws_iam_policy) that allows DynamoDB data actions (item actions or Scan) must carry an
#   aws:SourceVpce condition with a positive operator and without IfExists on that statement, or
#   the same document must deny those actions under a negated aws:SourceVpce condition
#   (StringNotEquals...). A role given as a literal ARN has no policies in the plan and is
#   not judged; a policy of the role that cannot be read before apply is DDB-EP-004-UNPROVABLE.
# custom:
#   id: DDB-EP-004
#   guardrail: endpoint
#   severity: medium
#   remediation: >-
#     Add condition { test = "StringEquals", variable = "aws:SourceVpce", values = [aws_vpc_endpoint.<name>.id] }
#     to the statements that allow table data actions.
#   concept: VPC endpoints (private access)
#   example: |
#     data "aws_iam_policy_document" "data_access" {
#       statement {
#         actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
#         resources = [aws_dynamodb_table.sessions.arn]
#         # ... dynamodb:LeadingKeys condition
#         condition {
#           test     = "StringEquals"
#           variable = "aws:SourceVpce"
#           values   = [aws_vpc_endpoint.dynamodb.id]
#         }
#       }
#     }
package ddb_guardrails.rules.endpoint.source_vpce

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.network

data_actions := iam.item_actions | {"scan"}

violation contains finding if {
	some [document, workloads] in workload_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
	actions := iam.covered_actions(statement) & data_actions
	count(actions) > 0
	not pinned_to_endpoint(statement)
	not denied_outside_endpoint(document, actions)
	finding := findings.violation(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows %s to %s (in a VPC) without aws:SourceVpce", [
			document.path, i, iam.display_name(min(actions)), concat(", ", workloads),
		]),
		[sprintf("%s statement[%d]: %s; %s", [document.origin, i, iam.why_covered(statement, min(actions)), vpce_evidence(statement)])],
	)
}

violation contains finding if {
	some [document, _] in workload_documents
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		concat("", [document.path, " cannot be read before apply: ", document.reason]),
		[concat(": ", [document.origin, document.reason])],
	)
}

# [document, sorted compute addresses whose role it applies to]
workload_documents := [[network.identity_documents[i], sort(workloads)] | some i, workloads in workloads_of_document]

# Grouped in one pass: collecting the workloads of each document by rescanning every compute was cubic.
# Keyed by the document's position in network.identity_documents: a document as a key is hashed whole.
workloads_of_document[i] contains compute if {
	some compute, _ in network.in_vpc
	some role in network.roles_of(compute)
	some i in network.role_document_indices[role]
}

# The Allow requires the endpoint: a positive operator, and not ...IfExists (which also matches
# requests that carry no aws:SourceVpce at all, i.e. that do not come through an endpoint).
pinned_to_endpoint(statement) if {
	some condition in iam.conditions_on(statement, "aws:sourcevpce")
	not contains(condition.operator, "not")
	not endswith(condition.operator, "ifexists")
}

# The same document denies the actions with a negated operator (StringNotEquals...), which also
# matches requests without aws:SourceVpce.
denied_outside_endpoint(document, actions) if {
	some deny in document.statements
	iam.denies(deny)
	every action in actions {
		iam.covers(deny, action)
	}
	some condition in iam.conditions_on(deny, "aws:sourcevpce")
	contains(condition.operator, "not")
}

vpce_evidence(statement) := "no aws:SourceVpce condition" if count(iam.conditions_on(statement, "aws:sourcevpce")) == 0

vpce_evidence(statement) := concat("; ", [sprintf("%s aws:SourceVpce does not require the endpoint", [condition.operator]) |
	some condition in iam.conditions_on(statement, "aws:sourcevpce")
]) if {
	count(iam.conditions_on(statement, "aws:sourcevpce")) > 0
}
