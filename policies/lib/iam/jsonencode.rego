# A policy written as jsonencode({...}) whose JSON is known only after apply, because it names
# an ARN or id of a resource the plan creates, is read from the Terraform source statement by
# statement: the source model (src/engine/source/source-model.ts, documentExpression) keeps the
# document with each part known only after apply marked, and what that part references. A
# statement whose Effect, Action or NotAction, and Condition operators and keys are known is
# judged: a Resource known only after apply is the tables it references (any table when it
# cannot be followed), a Principal or condition value known only after apply is read as for an
# aws_iam_policy_document data source. Any other statement makes the document "unprovable" as
# well, and keeps its place in the judged document as a statement that grants and denies nothing,
# so that statement[i] names the same statement in both.
package ddb_guardrails.lib.iam

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.source as located

# The key that marks a part known only after apply (AFTER_APPLY in source-model.ts).
after_apply_marker := "ddb-guardrails:known-after-apply"

after_apply(value) if is_object(value[after_apply_marker])

# The documents of a policy from the source: the judged statements, and why others cannot be.
json_documents(_, source, origin) := {unprovable_json(source, origin, [whole_reason(source.value)])} if {
	whole_reason(source.value)
}

json_documents(resource, source, origin) := known | unprovable if {
	not whole_reason(source.value)
	statements := util.as_list(object.get(source.value, "Statement", []))
	reasons := [reason | some i, statement in statements; some reason in statement_reasons(i, statement)]
	known := {{
		"status": "known",
		"origin": located.text(origin, source),
		"statements": [judged_statement(resource, statement) | some statement in statements],
	} |
		some statement in statements
		count(statement_reasons(0, statement)) == 0
	}
	unprovable := {unprovable_json(source, origin, reasons) | count(reasons) > 0}
}

whole_reason(value) := "the policy is jsonencode() of a value known only after apply" if after_apply(value)

whole_reason(value) := "the policy is not a JSON object" if {
	not is_object(value)
}

whole_reason(value) := "Statement is only known after apply" if after_apply(value.Statement)

unprovable_json(source, origin, reasons) := {
	"status": "unprovable",
	"origin": located.text(origin, source),
	"reason": concat("; ", sort(reasons)),
}

# Why a statement cannot be judged: the parts that say what it grants, known only after apply.
statement_reasons(i, statement) := ({sprintf("Statement[%d] is only known after apply", [i]) |
	not is_object(statement)
} | {sprintf("Statement[%d] is only known after apply", [i]) |
	after_apply(statement)
}) | {sprintf("Statement[%d].%s is only known after apply", [i, field]) |
	some field in ["Effect", "Action", "NotAction", "Condition"]
	value := statement[field]
	walk(value, [_, part])
	after_apply(part)
	not condition_value(field, value, part)
}

# A condition value known only after apply is judged (known: false); its operator and key are not.
condition_value("Condition", condition, part) if {
	some keys in condition
	is_object(keys)
	not after_apply(keys)
	some values in keys
	some value in util.as_list(values)
	value == part
}

# A statement that cannot be judged grants and denies nothing here (its document is also unprovable).
judged_statement(_, statement) := {
	"sid": "",
	"effect": "",
	"actions": {"kind": "Action", "patterns": [], "written": []},
	"resources": {"kind": "Resource", "values": [], "known": true, "references": set()},
	"principals": {"kind": "none", "values": set(), "known": true},
	"conditions": [],
} if {
	count(statement_reasons(0, statement)) > 0
}

judged_statement(resource, statement) := {
	"sid": sid_text(object.get(statement, "Sid", "")),
	"effect": object.get(statement, "Effect", ""),
	"actions": json_actions(statement),
	"resources": json_document_resources(resource, statement),
	"principals": json_document_principals(statement),
	"conditions": [{"operator": lower(operator), "key": lower(key), "values": known_parts(util.as_list(values)), "known": known_part(values)} |
		some operator, keys in object.get(statement, "Condition", {})
		some key, values in keys
	],
} if {
	count(statement_reasons(0, statement)) == 0
}

sid_text(sid) := sid if is_string(sid)

sid_text(sid) := "" if not is_string(sid)

known_parts(values) := [value | some value in values; not after_apply(value)]

known_part(value) := false if {
	walk(value, [_, part])
	after_apply(part)
} else := true

# Resource or NotResource: the known values, and what the parts known only after apply reference.
json_document_resources(_, statement) := json_resources(statement) if known_part(resource_value(statement))

json_document_resources(resource, statement) := {
	"kind": resource_kind(statement),
	"values": [value | some value in util.as_list(resource_value(statement)); is_string(value)],
	"known": false,
	"references": {source |
		walk(resource_value(statement), [_, part])
		after_apply(part)
		some source in marked_sources(resource, part[after_apply_marker])
	},
} if {
	not known_part(resource_value(statement))
}

resource_kind(statement) := "NotResource" if json_only_not_resource(statement)

resource_kind(statement) := "Resource" if not json_only_not_resource(statement)

resource_value(statement) := statement.NotResource if json_only_not_resource(statement)

resource_value(statement) := object.get(statement, "Resource", []) if not json_only_not_resource(statement)

# What a marked part references; one it names no source for is unresolved (any table, for a Resource).
marked_sources(resource, expression) := found if {
	found := references.attributed_sources_of(resource, expression)
	count(found) > 0
} else := {{"kind": "unresolved", "reference": object.get(expression, "unknown", "a value known only after apply")}}

json_document_principals(statement) := json_principals(statement) if known_part(principal_value(statement))

json_document_principals(statement) := {
	"kind": principal_kind(statement),
	"values": principal_parts(principal_value(statement)),
	"known": false,
} if {
	not known_part(principal_value(statement))
}

principal_value(statement) := object.get(statement, "NotPrincipal", null) if statement.NotPrincipal

principal_value(statement) := object.get(statement, "Principal", null) if not statement.NotPrincipal

principal_kind(statement) := "NotPrincipal" if statement.NotPrincipal

principal_kind(statement) := "Principal" if {
	not statement.NotPrincipal
	statement.Principal
}

principal_parts(principal) := {principal_name(type, identifier) |
	some type, identifiers in principal
	some identifier in util.as_list(identifiers)
	is_string(identifier)
} if {
	is_object(principal)
	not after_apply(principal)
}

principal_parts(principal) := set() if after_apply(principal)
