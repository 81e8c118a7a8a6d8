# METADATA
# title: ddb-guardrails access map
# description: >-
#   Who can do what to each table of the plan, asked of the IAM evaluation core with the same
#   requests the rules make (lib/iam/requests/requests.rego): a capability is listed for a principal only
#   when the core allows a concrete request, which is kept as its witness. Evaluated on its own
#   entrypoint, only when a report that shows it is asked for.
#
#   A table's rows come from the policies that name it (by reference, by its ARN, or by a pattern
#   that matches it and not a table no configuration names); a policy whose patterns reach every
#   table of an account ("*", table/*, NotResource) is listed once under any_table, asked with a
#   table no configuration names, so that the map is the same whether the plan is judged whole or
#   in shards. Each policy document is asked alone, with its own Deny statements in force.
package ddb_guardrails.access

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.evaluation
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.kms.key_policies
import data.ddb_guardrails.lib.params
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.wildcard as wildcards

protected_tag := "ddb-guardrails:protected-attributes"

stream_suffix := "/stream/2026-01-01T00:00:00.000"

# METADATA
# entrypoint: true
map := {
	"tables": [table_entry(address) | some address, _ in plan.of_type("aws_dynamodb_table")],
	"any_table": {
		"principals": [row | some row in any_table_rows],
		"unprovable": [note | some note in unreadable_identity],
	},
}

table_entry(address) := {
	"address": address,
	"arn": requests.table_arn(address),
	"principals": [row | some row in object.get(table_rows, address, set())],
	"unprovable": [note | some note in object.get(unreadable_resource, address, set())],
}

# --- the requests of each capability ---

# [capability, actions, resources, contexts] asked about a table, by its ARN.
questions(address, arn) := array.concat(
	[
		["read_bound", ["dynamodb:GetItem", "dynamodb:Query"], reads(address, arn), own_partition],
		["read_unbound", ["dynamodb:GetItem", "dynamodb:Query"], reads(address, arn), [{"dynamodb:LeadingKeys": [requests.other_tenant]}]],
		["scan", ["dynamodb:Scan"], reads(address, arn), [{"dynamodb:Select": "ALL_ATTRIBUTES"}]],
		["scan", ["dynamodb:PartiQLSelect"], [arn], [{"dynamodb:FullTableScan": "true"}]],
		["write_protected", ["dynamodb:PutItem", "dynamodb:UpdateItem"], [arn], protected_writes(address)],
		["administer", administer_actions, [arn], [{}]],
		["export", ["dynamodb:ExportTableToPointInTime", "dynamodb:CreateBackup"], [arn], [{}]],
	],
	[["read_stream", ["dynamodb:GetRecords", "dynamodb:GetShardIterator"], [stream_arn(address, arn)], [{}]] | has_stream(address)],
)

capabilities := ["read_bound", "read_unbound", "scan", "write_protected", "administer", "export", "read_stream", "decrypt"]

administer_actions := [
	"dynamodb:DeleteTable",
	"dynamodb:UpdateTable",
	"dynamodb:PutResourcePolicy",
	"dynamodb:DeleteResourcePolicy",
	"dynamodb:UpdateContinuousBackups",
]

# The caller's own partition: its principal tag's value, or its user name.
own_partition := [
	{"dynamodb:LeadingKeys": [requests.own_tenant]},
	{"dynamodb:LeadingKeys": [requests.caller_name]},
]

# Item reads go to the table and to each of its indexes.
reads(address, arn) := array.concat([arn], [concat("/", [arn, "index", index]) | some index in index_names(address)])

index_names(address) := sort({index.name |
	some block in ["global_secondary_index", "local_secondary_index"]
	some index in object.get(plan.resources[address].after, block, [])
	is_string(index.name)
})

# A write of each protected attribute, in the caller's own partition.
protected_writes(address) := [{"dynamodb:Attributes": [name], "dynamodb:LeadingKeys": [own]} |
	some name in sort(protected_names(address))
	some own in [requests.own_tenant, requests.caller_name]
]

protected_names(address) := {name | some name in params.effective.protected_attributes} | {name |
	value := object.get(plan.resources[address].after, ["tags", protected_tag], "")
	is_string(value)
	some name in split(value, " ")
	name != ""
}

# A stream is asked about when the table has one (or may: enabled only after apply), and for a
# table no configuration names.
has_stream("")

has_stream(address) if object.get(plan.resources[address].after, "stream_enabled", false) != false

stream_arn(address, arn) := found if {
	found := plan.resources[address].after.stream_arn
	is_string(found)
} else := concat("", [arn, stream_suffix])

# --- which policies reach a table ---

known_documents := [document |
	some document in iam.data_access_documents
	document.status == "known"
]

# [document, statement] of each Allow that may reach a table.
allows := [[document, statement] |
	some document in known_documents
	some statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
]

# A pattern that matches a table no configuration names reaches every table of its account.
reaches_any(statement) if statement.resources.kind == "NotResource"

reaches_any(statement) if {
	statement.resources.kind == "Resource"
	some pattern in requests.resource_values(statement.resources)
	some probe in probes(statement)
	wildcards.matches(pattern, probe)
}

probes(statement) := {arn |
	some table in requests.probe_tables(statement)
	some arn in [table, concat("", [table, stream_suffix]), concat("/", [table, "index", requests.probe_name])]
}

# [address, ARN] of the tables a statement names: by reference, or by a pattern that matches the
# table (or its stream or indexes) but not a table no configuration names. A table whose ARN is only
# known after apply is placed in the region and account the pattern writes out.
named(statement) := {[address, arn] |
	statement.resources.kind == "Resource"
	some pattern in requests.resource_values(statement.resources)
	not wildcard(pattern)
	some address in object.get(tables_by_resource, resource_part(pattern), set())
	arn := placed(pattern, address)
	pattern in table_arns(address, arn)
} | {[address, arn] |
	statement.resources.kind == "Resource"
	some pattern in requests.resource_values(statement.resources)
	wildcard(pattern)
	not any_pattern(statement, pattern)
	some addresses in tables_by_resource
	some address in addresses
	arn := placed(pattern, address)
	some form in table_arns(address, arn)
	wildcards.matches(pattern, form)
}

wildcard(pattern) if contains(pattern, "*")

wildcard(pattern) if contains(pattern, "?")

# "arn:aws:dynamodb:r:a:table/x/index/i" -> "table/x/index/i"
resource_part(arn) := concat(":", array.slice(parts, 5, count(parts))) if {
	parts := split(arn, ":")
	count(parts) >= 6
}

# The resource parts of each table's ARNs (its own, its stream's, its indexes'), looked up once.
tables_by_resource[part] contains address if {
	some address, _ in plan.of_type("aws_dynamodb_table")
	some arn in table_arns(address, requests.table_arn(address))
	part := resource_part(arn)
}

placed(pattern, address) := arn if {
	arn := plan.resources[address].after.arn
	is_string(arn)
} else := concat("", [
	"arn:aws:dynamodb:", requests.field(parts, 3, requests.default_region), ":",
	requests.field(parts, 4, requests.this_account), ":table/", requests.table_name(address),
]) if {
	parts := split(pattern, ":")
	count(parts) >= 6
} else := requests.table_arn(address)

any_pattern(statement, pattern) if {
	some probe in probes(statement)
	wildcards.matches(pattern, probe)
}

table_arns(address, arn) := array.concat(
	[arn, stream_arn(address, arn)],
	[concat("/", [arn, "index", index]) | some index in index_names(address)],
)

# --- rows ---

reached_by[address] contains [i, arn] if {
	some i, [document, statement] in allows
	document.kind == "identity"
	some [address, arn] in named(statement)
}

# A resource policy applies to the table (or stream) it is attached to, whatever its Resource says.
reached_by[address] contains [i, placed(first(statement.resources.values), address)] if {
	some i, [document, statement] in allows
	document.kind != "identity"
	some address in policy_tables(plan.resources[document.holder])
}

table_rows[address] := rows(address, [[allows[i], arn] | some [i, arn] in reached_by[address]]) | key_rows(address) if {
	some address, _ in plan.of_type("aws_dynamodb_table")
}

# --- the table's keys ---

# Who the key policy of a table's key (or replica key) lets kms:Decrypt directly, outside DynamoDB
# (its own account as kms:CallerAccount, no kms:ViaService): they read the table's data wherever it
# is copied encrypted under the key. One row per key and principal, the first allowed request kept.
key_rows(address) := {row |
	decrypts := key_decrypts(address)
	some [key, document, caller] in {[k, d, r.principal.arn] | some [k, d, r] in decrypts}
	request := [r | some [k, d, r] in decrypts; k == key; d == document; r.principal.arn == caller][0]
	row := {
		"principal": resource_principal(caller),
		"policy": key,
		"document": document.path,
		"kind": "resource",
		"attached_to": [],
		"capabilities": {"decrypt": request},
	}
}

key_decrypts(address) := [[key, document, request] |
	some use in kms.key_uses
	use.address == address
	some key in key_policies.subjects(use.verdict.key)
	some document in key_policies.documents(key)
	document.status == "known"
	some statement in document.statements
	iam.allows(statement)
	key_policies.grants(statement, "kms:decrypt")
	some caller in requests.named_callers(document, statement)
	caller.type == "AWS"
	request := {
		"principal": caller,
		"action": "kms:Decrypt",
		"resource": key_arn(key, document),
		"context": {"kms:CallerAccount": caller.account},
	}
	evaluation.allowed(request, {
		"identity": [requests.anything],
		"resource": [requests.asked(document, statement)],
		"resource_account": key_policies.owner(document),
	})
]

key_arn(key, document) := arn if {
	arn := plan.resources[key].after.arn
	is_string(arn)
} else := concat("", ["arn:aws:kms:", requests.default_region, ":", key_policies.owner(document), ":key/", requests.probe_name]) if {
	is_object(document)
}

any_table_rows contains row if {
	some document in known_documents
	not attached_resource_policy(document)
	statements := [statement |
		some statement in document.statements
		iam.allows(statement)
		iam.applies_to_dynamodb(statement)
		reaches_any(statement)
	]
	asked := [[statement, [["", probe] | some probe in sort(requests.probe_tables(statement))]] | some statement in statements]
	some row in document_rows(document, asked)
}

# Rows of the documents whose statements name one table: [[[document, statement], arn]].
rows(address, pairs) := {row |
	some document in {pair[0][0] | some pair in pairs}
	some row in document_rows(document, [[pair[0][1], [[address, pair[1]]]] |
		some pair in pairs
		pair[0][0] == document
	])
}

# The rows of one document: one per principal (its holder for an identity policy, each principal
# named for a resource policy), with the first allowed request of each capability: first by the
# question and action asked, then by the request itself, never by the order of the statements, so
# that the witness is the same whichever other resources are judged with the document.
document_rows(document, asked) := {row |
	allowed := [[capability, [rank, request]] |
		some [statement, tables] in asked
		some [address, arn] in tables
		some question, [capability, actions, resources, contexts] in questions(address, arn)
		covers_any(statement, actions)
		some candidate in requests.candidates(document, statement, actions, resources, contexts)
		evaluation_allowed(candidate)
		request := candidate.request
		rank := [question, [i | some i, action in actions; action == request.action]]
	]
	some who in {principal_key(document, request) | some [_, [_, request]] in allowed}
	found := {capability: witnesses |
		some capability in capabilities
		witnesses := sort([ranked |
			some [c, ranked] in allowed
			c == capability
			principal_key(document, ranked[1]) == who
		])
		count(witnesses) > 0
	}
	row := object.union(principal_row(document, who), {"capabilities": {capability: witnesses[0][1] | some capability, witnesses in found}})
}

evaluation_allowed(candidate) if evaluation.allowed(candidate.request, candidate.policies)

covers_any(statement, actions) if {
	some action in actions
	iam.covers(statement, lower(substring(action, count("dynamodb:"), -1)))
}

principal_key(document, _) := document.holder if document.kind == "identity"

principal_key(document, request) := request.principal.arn if document.kind != "identity"

principal_row(document, _) := {
	"principal": holder_label(document),
	"policy": document.holder,
	"document": document.path,
	"kind": "identity",
	"attached_to": attached_to(document.holder),
} if {
	document.kind == "identity"
}

principal_row(document, arn) := {
	"principal": resource_principal(arn),
	"policy": document.holder,
	"document": document.path,
	"kind": "resource",
	"attached_to": [],
} if {
	document.kind != "identity"
}

# Who holds an identity policy, as the plan names it: a role's or user's name, a group, or for a
# managed policy the principals its attachments name; else the principals the core asked as.
holder_label(document) := concat("/", ["role", name]) if {
	document.holder_type in {"aws_iam_role_policy", "aws_iam_role"}
	name := object.get(plan.resources[document.holder].after, field_of[document.holder_type], null)
	is_string(name)
} else := concat("/", ["user", name]) if {
	document.holder_type == "aws_iam_user_policy"
	name := plan.resources[document.holder].after.user
	is_string(name)
} else := concat("", ["users of group/", name]) if {
	document.holder_type == "aws_iam_group_policy"
	name := plan.resources[document.holder].after.group
	is_string(name)
} else := concat(", ", attached_principals(document.holder)) if {
	count(attached_principals(document.holder)) > 0
} else := concat(", ", requests.holder_principals(document))

field_of := {"aws_iam_role_policy": "role", "aws_iam_role": "name"}

attached_principals(holder) := sort({principal |
	some address in (attachments(holder) | {holder})
	attachment := plan.resources[address]
	some [attribute, prefix] in [["role", "role/"], ["user", "user/"], ["group", "users of group/"]]
	name := object.get(attachment.after, attribute, null)
	is_string(name)
	principal := concat("", [prefix, name])
})

resource_principal(arn) := "any principal of another account" if {
	arn == concat("", ["arn:aws:iam::", requests.other_account, ":role/", requests.caller_name])
} else := concat(" ", ["any principal of account", split(arn, ":")[4]]) if {
	endswith(arn, concat("", [":role/", requests.caller_name]))
} else := arn

# The attachments of a managed policy of the plan: the resources that attach it and name it by reference.
attached_to(holder) := sort(attachments(holder))

attachments(holder) := {address |
	plan.resources[holder].type == "aws_iam_policy"
	some type, attribute in iam.attachment_paths
	some address, attachment in plan.of_type(type)
	some reference in references_of(attachment, attribute)
	startswith(reference, concat("", [plan.without_instance_key(holder), "."]))
}

first(values) := values[0] if count(values) > 0

first(values) := "" if count(values) == 0

attached_resource_policy(document) if {
	document.kind != "identity"
	count(policy_tables(plan.resources[document.holder])) > 0
}

# --- what cannot be read before apply ---

unreadable_identity contains {"policy": document.holder, "document": document.path, "reason": document.reason} if {
	some document in iam.documents_of_kind("identity")
	document.status == "unprovable"
}

# A table's resource policy that cannot be read: the resource policy names the table by reference
# or by its ARN.
unreadable_resource[address] contains {"policy": document.holder, "document": document.path, "reason": document.reason} if {
	some document in iam.documents_of_kind("dynamodb_resource")
	document.status == "unprovable"
	some address in policy_tables(plan.resources[document.holder])
}

policy_tables(resource) := {address |
	some reference in references_of(resource, "resource_arn")
	some address, _ in plan.of_type("aws_dynamodb_table")
	startswith(reference, concat("", [plan.without_instance_key(address), "."]))
} | {address |
	some address in object.get(tables_by_resource, resource_part(object.get(resource.after, "resource_arn", "")), set())
}

# The references an attribute's expression makes in the configuration ("aws_iam_policy.p.arn").
references_of(resource, attribute) := expression.references if {
	expression := plan.expression(resource, [attribute])
	is_object(expression)
	is_array(expression.references)
} else := []
