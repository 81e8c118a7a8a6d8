# METADATA
# title: Item-level access to DynamoDB is bound to the caller by dynamodb:LeadingKeys
# description: >-
#   An Allow of item-level actions (GetItem, PutItem, UpdateItem, DeleteItem, Query, BatchGetItem,
#   BatchWriteItem, ConditionCheckItem, PartiQL*; TransactGetItems/TransactWriteItems are authorised
#   through these) without a condition on dynamodb:LeadingKeys that binds the caller lets one caller
#   read or write every other caller's items. The rule asks the IAM evaluation core whether the
#   statement's caller (the principal holding an identity policy, with and without the principal
#   tags the policy reads, or the principals a resource policy names) can make an item request on a
#   table the statement reaches with a leading key that is not its own: another tenant's, one that
#   extends its own (a * or ? beside a variable under StringLike), a pair of its own and another
#   (ForAnyValue admits it), a literal partition the statement names when the statement may reach
#   many principals (an aws_iam_policy, a group policy, an account principal; not an
#   aws_iam_role_policy, aws_iam_user_policy, inline_policy of an aws_iam_role or a resource policy
#   naming one role or user), what a wildcard in a literal reaches, and the default of a variable
#   (${aws:PrincipalTag/tenant, 'acme'}: a caller without the tag gets 'acme'). Variables in the
#   principal_variables parameter identify the caller; ${aws:PrincipalAccount} and
#   ${aws:PrincipalOrgID} are set by its account; any other variable may be set by the caller. The
#   first request that gets through is the finding's witness. A role of the plan is the caller of its
#   policies whoever assumes it: a role a service assumes to act for a team (Glue crawlers and jobs,
#   Lambda, Step Functions, AppSync data sources, API Gateway integrations) is judged on its actions
#   like any other, and the witness names the role (for an aws_iam_role_policy, an attachment, or an
#   aws_iam_policy attached to it). Wildcards (dynamodb:*Item, dynamodb:*)
#   and NotAction are expanded against the real DynamoDB action list. Statements are read from
#   identity policies (aws_iam_policy, aws_iam_*_policy, inline_policy of aws_iam_role) and
#   aws_dynamodb_resource_policy, from their JSON or, when it is unknown at plan time, from the
#   aws_iam_policy_document data source it comes from. Policies inside the CloudFormation template of
#   an aws_cloudformation_stack (AWS::IAM::ManagedPolicy, Policy, Role/User/Group Policies and
#   ManagedPolicyArns, SSO permission sets, table ResourcePolicy) are read the same way from the
#   template's JSON and judged on the stack. With the Terraform source at hand, a policy written as
#   jsonencode() whose JSON is known only after apply (it names an ARN of a resource the plan
#   creates) is read statement by statement: each statement whose Effect, Action or NotAction, and
#   Condition operators and keys are known is judged, a Resource known only after apply being the
#   tables it references (any table when it cannot be followed) and a Principal or condition value
#   known only after apply read as for the data source; a statement whose effect, actions or
#   condition operators are known only after apply keeps the policy unprovable. A Resource known
#   only after apply (from the data source or jsonencode()) reaches the tables of the plan it
#   references (any attribute of an aws_dynamodb_table, e.g. its arn or its name in an ARN template);
#   no table when it reads only the arn of an AWS resource of another service (aws_kms_key.k.arn,
#   "${aws_s3_bucket.b.arn}/*"); any table otherwise: a value other than an arn (an id, which for
#   most AWS resources is a name or an opaque identifier, an SSM parameter's value, a bucket name),
#   any attribute of a resource of another provider (random_pet, terraform_data), another DynamoDB
#   resource, or a reference the plan does not follow. A NotResource known only after apply that
#   cannot be followed excludes nothing, and a Deny whose Resource may name any table denies
#   nothing (it may name another table). A policy that cannot
#   be read (e.g. jsonencode() over values known only after apply, without the source; an intrinsic
#   function such as Fn::Sub inside a template's policy; a template the plan does not carry), or a
#   LeadingKeys condition whose values are unknown, is reported as DDB-FGAC-001-UNPROVABLE on the
#   resource holding the policy.
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
import data.ddb_guardrails.lib.iam.conditions as iam_conditions
import data.ddb_guardrails.lib.iam.requests

violation contains finding if {
	some [document, i, statement, actions] in item_grants
	not unknown_leading_keys(statement)
	found := requests.witness(requests.candidates(
		document, statement,
		[iam.display_name(action) | some action in asked_actions(document, actions)],
		requests.resources(statement),
		other_partitions(document, statement),
	))
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			document.holder,
			sprintf("%s statement[%d] allows %s without dynamodb:LeadingKeys bound to the caller", [document.path, i, names(actions)]),
			[
				sprintf("%s statement[%d]: %s", [document.origin, i, iam.why_covered(statement, min(actions))]),
				condition_evidence(statement),
			],
		),
		{"witness": found},
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
		concat("", [document.path, " cannot be read before apply: ", document.reason]),
		[concat(": ", [document.origin, document.reason])],
	)
}

# [document, statement index, statement, item actions it allows]
# A list, not a set: each element holds its whole document (see iam.documents_of_kind).
item_grants := [[document, i, statement, actions] |
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
	actions := iam.covered_actions(statement) & iam.item_actions
	count(actions) > 0
]

# The item actions asked about: a read and a write the statement covers, and one action of each
# group the document's Deny statements treat alike.
asked_actions(document, actions) := sort(((actions & {"getitem", "putitem"}) | requests.representatives(document, actions)))

# Leading keys that are not the caller's: another tenant's alone, or beside its own (a
# ForAnyValue condition admits the pair); what a wildcard beside a variable reaches past the
# caller's own partition (StringLike "${aws:username}?" admits the caller's name and one more
# character: another user's partition); the literal partitions and variable defaults the
# statement names, which belong to no one caller unless the statement applies to one fixed
# principal, and what a wildcard in a literal reaches beyond it.
other_partitions(document, statement) := array.concat(
	[{"dynamodb:LeadingKeys": [value]} | some value in array.concat([requests.other_tenant], sort(extended_partitions(statement)))],
	array.concat(
		[{"dynamodb:LeadingKeys": [own, requests.other_tenant]} | some own in requests.own_partitions(statement)],
		[{"dynamodb:LeadingKeys": [value]} | some value in sort(named_partitions(document, statement))],
	),
)

# Each pattern with a variable and a wildcard, its variables given the caller's own values and its
# wildcards filled: a partition that is not the caller's, which the pattern still matches.
extended_partitions(statement) := {partition |
	some written in leading_key_patterns(statement)
	pieces := split(replace(written, "&{", "${"), "${")
	count(pieces) > 1
	wildcard(written)
	some own in [requests.own_tenant, requests.caller_name]
	partition := replace(replace(concat("", [filled(i, piece, own) | some i, piece in pieces]), "*", "x"), "?", "x")
	partition != own
}

# "a${v}b" split on "${": the text before the first variable, then each variable's rest after "}".
filled(0, piece, _) := piece

filled(i, piece, own) := concat("", [own, substring(piece, indexof(piece, "}") + 1, -1)]) if {
	i > 0
	indexof(piece, "}") >= 0
}

leading_key_patterns(statement) := {written |
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
	some written in condition.values
	is_string(written)
}

named_partitions(document, statement) := ({value |
	some value in literals(statement)
	not wildcard(value)
	not iam_conditions.one_fixed_principal(document, statement)
} | {replace(replace(value, "*", requests.other_tenant), "?", "x") |
	some value in literals(statement)
	wildcard(value)
}) | {value |
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
	some written in condition.values
	is_string(written)
	some match in regex.find_all_string_submatch_n(`\$\{[^}]*,\s*'([^']*)'\s*\}`, written, -1)
	value := match[1]
}

literals(statement) := {written |
	some written in leading_key_patterns(statement)
	not contains(written, "${")
}

wildcard(value) if contains(value, "*")

wildcard(value) if contains(value, "?")

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
