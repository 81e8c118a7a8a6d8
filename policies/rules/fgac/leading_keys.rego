# METADATA
# title: Item-level access to DynamoDB is bound to the caller by dynamodb:LeadingKeys
# description: >-
#   An Allow of item-level actions (GetItem, PutItem, UpdateItem, DeleteItem, Query, BatchGetItem,
#   BatchWriteItem, ConditionCheckItem, PartiQL*; TransactGetItems/TransactWriteItems are authorised
#   through these) without a condition on dynamodb:LeadingKeys that binds the caller lets one caller
#   read or write every other caller's items. It binds when its operator is
#   ForAllValues:StringEquals, ForAllValues:StringEqualsIgnoreCase or ForAllValues:StringLike
#   (ForAnyValue: and ...IfExists bind nothing) and every value either uses a principal variable
#   (${aws:username}, ${aws:PrincipalTag/...}, ${cognito-identity.amazonaws.com:sub}..., the
#   principal_variables parameter) with, under StringLike, no * or ? outside the variables
#   ("*${aws:username}*" and "${aws:PrincipalTag/tenant}*" match other callers' partitions), or is
#   a literal partition (same wildcard rule) of a statement that applies to one fixed principal: an
#   aws_iam_role_policy, aws_iam_user_policy or inline_policy of an aws_iam_role, or a resource
#   policy statement whose Principal is exactly one role or user ARN without wildcards. A managed
#   aws_iam_policy, a group policy or an account principal may reach many callers, so a literal
#   partition there binds nothing. Wildcards (dynamodb:*Item, dynamodb:*)
#   and NotAction are expanded against the real DynamoDB action list. Statements are read from
#   identity policies (aws_iam_policy, aws_iam_*_policy, inline_policy of aws_iam_role) and
#   aws_dynamodb_resource_policy, from their JSON or, when it is unknown at plan time, from the
#   aws_iam_policy_document data source it comes from. Policies inside the CloudFormation template of
#   an aws_cloudformation_stack (AWS::IAM::ManagedPolicy, Policy, Role/User/Group Policies and
#   ManagedPolicyArns, SSO permission sets, table ResourcePolicy) are read the same way from the
#   template's JSON and judged on the stack. A policy that cannot be read either way (e.g.
#   jsonencode() over values known only after apply, an intrinsic function such as Fn::Sub inside a
#   template's policy, or a template the plan does not carry), or a LeadingKeys condition whose
#   values are unknown, is reported as DDB-FGAC-001-UNPROVABLE on the resource holding the policy.
# custom:
#   id: DDB-FGAC-001
#   guardrail: fgac
#   severity: high
#   remediation: >-
#     Add condition { test = "ForAllValues:StringEquals", variable = "dynamodb:LeadingKeys",
#     values = ["$${aws:PrincipalTag/tenant}"] } (or another principal variable) to the statement,
#     as the TenantAccess construct's grants do.
#   concept: Fine-grained access control (FGAC)
#   example: |
#     data "aws_iam_policy_document" "tenant" {
#       statement {
#         actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
#         resources = [aws_dynamodb_table.sessions.arn]
#         condition {
#           test     = "ForAllValues:StringEquals"
#           variable = "dynamodb:LeadingKeys"
#           values   = ["$${aws:PrincipalTag/tenant}"]
#         }
#       }
#     }
package ddb_guardrails.rules.fgac.leading_keys

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam_conditions

violation contains finding if {
	some [document, i, statement, actions] in item_grants
	not iam_conditions.leading_keys_bound(document, statement)
	not unknown_leading_keys(statement)
	finding := findings.violation(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows %s without dynamodb:LeadingKeys bound to the caller", [document.path, i, names(actions)]),
		[
			sprintf("%s statement[%d]: %s", [document.origin, i, iam.why_covered(statement, min(actions))]),
			condition_evidence(statement),
		],
	)
}

violation contains finding if {
	some [document, i, statement, _] in item_grants
	unknown_leading_keys(statement)
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d]: the dynamodb:LeadingKeys values are only known after apply", [document.path, i]),
		[sprintf("%s statement[%d].condition dynamodb:LeadingKeys: (known after apply)", [document.origin, i])],
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

# [document, statement index, statement, item actions it allows]
item_grants contains [document, i, statement, actions] if {
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
	actions := iam.covered_actions(statement) & iam.item_actions
	count(actions) > 0
}

unknown_leading_keys(statement) if {
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
	not condition.known
}

condition_evidence(statement) := "dynamodb:LeadingKeys: no condition" if {
	count(iam.conditions_on(statement, "dynamodb:leadingkeys")) == 0
}

condition_evidence(statement) := concat("; ", [sprintf("%s dynamodb:LeadingKeys = %s", [condition.operator, json.marshal(condition.values)]) |
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
]) if {
	count(iam.conditions_on(statement, "dynamodb:leadingkeys")) > 0
}

names(actions) := concat(", ", [iam.display_name(action) | some action in sort(actions)])
