# METADATA
# title: Writes to tables with protected attributes deny setting those attributes
# description: >-
#   A table declares protected attributes with the tag `ddb-guardrails:protected-attributes`
#   (value: attribute names separated by spaces; the parameter protected_attributes, default
#   ["isAdmin"], is always included). An Allow of attribute-setting writes (PutItem, UpdateItem,
#   BatchWriteItem, PartiQLInsert, PartiQLUpdate) on such a table lets the caller make itself an
#   admin. The rule asks the IAM evaluation core whether the statement's caller can write a
#   protected attribute of the table (dynamodb:Attributes naming it, in its own partition) with the
#   document's Deny statements in force: a Deny that names another table, or carries a condition
#   the caller need not meet (aws:SecureTransport = false), does not stop it; a Deny with a
#   ForAnyValue condition on dynamodb:Attributes naming the attribute, or an Allow whose
#   ForAllValues condition on dynamodb:Attributes leaves it out, does. The first write that gets
#   through is the finding's witness.
#   A statement reaches the table by "*", an ARN pattern matching the table name, NotResource, or a
#   reference to the table in the plan, or a reference to a resource of the plan whose value can name
#   any table (see DDB-FGAC-001). A statement whose resources cannot be followed, or a policy
#   that cannot be read, is DDB-FGAC-004-UNPROVABLE when the plan has a table with protected attributes.
# custom:
#   id: DDB-FGAC-004
#   guardrail: fgac
#   severity: high
#   remediation: >-
#     Add a statement { effect = "Deny", actions = [the writes], resources = [the table ARN],
#     condition { test = "ForAnyValue:StringEquals", variable = "dynamodb:Attributes", values = ["isAdmin"] } },
#     or restrict the Allow with ForAllValues:StringEquals on dynamodb:Attributes to the writable attributes.
#   concept: Fine-grained access control (FGAC)
#   example: |
#     resource "aws_dynamodb_table" "users" {
#       # ...
#       tags = { "ddb-guardrails:protected-attributes" = "isAdmin role" }
#     }
#
#     data "aws_iam_policy_document" "writer" {
#       statement {
#         actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
#         resources = [aws_dynamodb_table.users.arn]
#         # ... dynamodb:LeadingKeys condition
#       }
#       statement {
#         effect    = "Deny"
#         actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
#         resources = [aws_dynamodb_table.users.arn]
#         condition {
#           test     = "ForAnyValue:StringEquals"
#           variable = "dynamodb:Attributes"
#           values   = ["isAdmin", "role"]
#         }
#       }
#     }
package ddb_guardrails.rules.fgac.protected_attributes

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.params
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.wildcard as wildcards

tag := "ddb-guardrails:protected-attributes"

violation contains finding if {
	some [document, i, statement, table, writes] in table_writes
	written := {attribute: found |
		some attribute in protected[table.address]
		found := protected_write(document, statement, table, writes, attribute)
	}
	count(written) > 0
	unprotected := sort([attribute | some attribute, _ in written])
	finding := findings.witnessed(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows %s on %s without a Deny on its protected attributes %s", [
			document.path, i, names(writes), table.address, concat(", ", unprotected),
		]),
		[
			sprintf("%s statement[%d]: %s", [document.origin, i, iam.why_covered(statement, min(writes))]),
			sprintf("%s: tag %s = %s", [table.address, tag, json.marshal(object.get(table.after, ["tags", tag], ""))]),
		],
		written[unprotected[0]],
	)
}

violation contains finding if {
	count(protected) > 0
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	count(iam.covered_actions(statement) & iam.attribute_write_actions) > 0
	not statement.resources.known
	some source in statement.resources.references
	not source.kind in {"resource", "constant"}
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] grants writes on resources the plan cannot follow, so the protected attributes cannot be checked", [document.path, i]),
		[sprintf("%s statement[%d].resources <- %s", [document.origin, i, iam.describe(source)])],
	)
}

violation contains finding if {
	count(protected) > 0
	some document in iam.data_access_documents
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		document.holder,
		concat("", [document.path, " cannot be read before apply: ", document.reason]),
		[concat(": ", [document.origin, document.reason])],
	)
}

# The table as the statement names it (its ARN patterns made concrete, when they name the table),
# and as the plan builds its ARN.
table_arns(statement, table) := sort({requests.table_arn(table.address)} | {arn |
	some arn in requests.resources(statement)
	parts := split(arn, ":")
	count(parts) >= 6
	split(parts[5], "/")[1] == table.after.name
})

# The first write of the attribute on the table, in a partition the caller may call its own, that
# the core lets through; one action of each group the document's Denies treat alike.
protected_write(document, statement, table, writes, attribute) := requests.witness(requests.candidates(
	document, statement,
	[iam.display_name(action) | some action in sort(requests.representatives(document, writes))],
	table_arns(statement, table),
	[{"dynamodb:Attributes": [attribute], "dynamodb:LeadingKeys": [own]} | some own in requests.own_partitions(statement)],
))

# Protected attribute names of each tagged table.
protected[address] := names if {
	some address, table in plan.of_type("aws_dynamodb_table")
	value := table.after.tags[tag]
	is_string(value)
	names := {name | some name in params.effective.protected_attributes} | {name |
		some name in split(value, " ")
		name != ""
	}
}

# [document, statement index, statement, protected table, attribute writes allowed on it]
# A list, not a set: each element holds its whole document (see iam.documents_of_kind).
table_writes := [[document, i, statement, table, writes] |
	some document in iam.data_access_documents
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	writes := iam.covered_actions(statement) & iam.attribute_write_actions
	count(writes) > 0
	some address, _ in protected
	table := plan.resources[address]
	targets(statement, table)
]

targets(statement, _) if statement.resources.kind == "NotResource"

targets(statement, table) if {
	statement.resources.kind == "Resource"
	some value in statement.resources.values
	matches_table(value, table)
}

targets(statement, table) if {
	some source in statement.resources.references
	source.address == table.address
}

# A reference to a resource that can name any table (a name read from an SSM parameter, a resource
# of another provider: requests.reference_values) reaches this one too.
targets(statement, _) if {
	statement.resources.kind == "Resource"
	some source in statement.resources.references
	source.kind == "resource"
	"*" in requests.reference_values(source)
}

matches_table("*", _)

# arn:aws:dynamodb:<region>:<account>:table/<name>[/index/...]
matches_table(value, table) if {
	parts := split(value, ":")
	count(parts) >= 6
	wildcards.matches(lower(parts[2]), "dynamodb")
	path := split(parts[5], "/")
	wildcards.matches(lower(path[0]), "table")
	wildcards.matches(path[1], table.after.name)
}

names(actions) := concat(", ", [iam.display_name(action) | some action in sort(actions)])
