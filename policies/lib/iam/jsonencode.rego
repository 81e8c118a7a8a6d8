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

import data.ddb_guardrails.lib.plan.source as located
import data.ddb_guardrails.lib.references

# The key that marks a part known only after apply (AFTER_APPLY in source-model.ts).
_after_apply_marker := "ddb-guardrails:known-after-apply"

_after_apply(value) if is_object(value[_after_apply_marker])

# The documents of a policy from the source: the judged statements, and why others cannot be.
_json_documents(_, source, origin) := {_unprovable_json(source, origin, [_whole_reason(source.value)])} if {
	_whole_reason(source.value)
}

_json_documents(resource, source, origin) := _known | unprovable if {
	not _whole_reason(source.value)
	statements := util.as_list(object.get(source.value, "Statement", []))
	reasons := [reason | some i, statement in statements; some reason in _statement_reasons(i, statement)]
	_known := {{
		"status": "known",
		"origin": located.text(origin, source),
		"statements": [_judged_statement(resource, statement) | some statement in statements],
	} |
		some statement in statements
		count(_statement_reasons(0, statement)) == 0
	}
	unprovable := {_unprovable_json(source, origin, reasons) | count(reasons) > 0}
}

_whole_reason(value) := "the policy is jsonencode() of a value known only after apply" if _after_apply(value)

_whole_reason(value) := "the policy is not a JSON object" if {
	not is_object(value)
}

_whole_reason(value) := "Statement is only known after apply" if _after_apply(value.Statement)

_unprovable_json(source, origin, reasons) := {
	"status": "unprovable",
	"origin": located.text(origin, source),
	"reason": concat("; ", sort(reasons)),
}

# Why a statement cannot be judged: the parts that say what it grants, known only after apply.
_statement_reasons(i, statement) := ({sprintf("Statement[%d] is only known after apply", [i]) |
	not is_object(statement)
} | {sprintf("Statement[%d] is only known after apply", [i]) |
	_after_apply(statement)
}) | {sprintf("Statement[%d].%s is only known after apply", [i, field]) |
	some field in ["Effect", "Action", "NotAction", "Condition"]
	value := statement[field]
	walk(value, [_, part])
	_after_apply(part)
	not _condition_value(field, value, part)
}

# A condition value known only after apply is judged (known: false); its operator and key are not.
_condition_value("Condition", condition, part) if {
	some keys in condition
	is_object(keys)
	not _after_apply(keys)
	some values in keys
	some value in util.as_list(values)
	value == part
}

# A statement that cannot be judged grants and denies nothing here (its document is also unprovable).
_judged_statement(_, statement) := {
	"sid": "",
	"effect": "",
	"actions": {"kind": "Action", "patterns": [], "written": []},
	"resources": {"kind": "Resource", "values": [], "known": true, "references": set()},
	"principals": {"kind": "none", "values": set(), "known": true},
	"conditions": [],
} if {
	count(_statement_reasons(0, statement)) > 0
}

_judged_statement(resource, statement) := {
	"sid": _sid_text(object.get(statement, "Sid", "")),
	"effect": object.get(statement, "Effect", ""),
	"actions": _json_actions(statement),
	"resources": _json_document_resources(resource, statement),
	"principals": _json_document_principals(statement),
	"conditions": [{"operator": lower(operator), "key": lower(key), "values": _known_parts(util.as_list(values)), "known": _known_part(values)} |
		some operator, keys in object.get(statement, "Condition", {})
		some key, values in keys
	],
} if {
	count(_statement_reasons(0, statement)) == 0
}

_sid_text(sid) := sid if is_string(sid)

_sid_text(sid) := "" if not is_string(sid)

_known_parts(values) := [value | some value in values; not _after_apply(value)]

_known_part(value) := false if {
	walk(value, [_, part])
	_after_apply(part)
} else := true

# Resource or NotResource: the known values, and what the parts known only after apply reference.
_json_document_resources(_, statement) := _json_resources(statement) if _known_part(_resource_value(statement))

_json_document_resources(resource, statement) := {
	"kind": _resource_kind(statement),
	"values": [value | some value in util.as_list(_resource_value(statement)); is_string(value)],
	"known": false,
	"references": {source |
		walk(_resource_value(statement), [_, part])
		_after_apply(part)
		some source in _marked_sources(resource, part[_after_apply_marker])
	},
} if {
	not _known_part(_resource_value(statement))
}

_resource_kind(statement) := "NotResource" if _json_only_not_resource(statement)

_resource_kind(statement) := "Resource" if not _json_only_not_resource(statement)

_resource_value(statement) := statement.NotResource if _json_only_not_resource(statement)

_resource_value(statement) := object.get(statement, "Resource", []) if not _json_only_not_resource(statement)

# What a marked part references; one it names no source for is unresolved (any table, for a Resource).
_marked_sources(resource, expression) := found if {
	found := references.attributed_sources_of(resource, expression)
	count(found) > 0
} else := {{"kind": "unresolved", "reference": object.get(expression, "unknown", "a value known only after apply")}}

_json_document_principals(statement) := _json_principals(statement) if _known_part(_principal_value(statement))

_json_document_principals(statement) := {
	"kind": _principal_kind(statement),
	"values": _principal_parts(_principal_value(statement)),
	"known": false,
} if {
	not _known_part(_principal_value(statement))
}

_principal_value(statement) := object.get(statement, "NotPrincipal", null) if statement.NotPrincipal

_principal_value(statement) := object.get(statement, "Principal", null) if not statement.NotPrincipal

_principal_kind(statement) := "NotPrincipal" if statement.NotPrincipal

_principal_kind(statement) := "Principal" if {
	not statement.NotPrincipal
	statement.Principal
}

_principal_parts(principal) := {_principal_name(type, identifier) |
	some type, identifiers in principal
	some identifier in util.as_list(identifiers)
	is_string(identifier)
} if {
	is_object(principal)
	not _after_apply(principal)
}

_principal_parts(principal) := set() if _after_apply(principal)
