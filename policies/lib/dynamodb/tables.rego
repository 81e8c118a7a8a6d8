# METADATA
# title: Tables created outside the aws provider
# description: >-
#   DynamoDB tables of the AWS Cloud Control provider (awscc_dynamodb_table,
#   awscc_dynamodb_global_table) and of CloudFormation stacks (AWS::DynamoDB::Table and
#   AWS::DynamoDB::GlobalTable in a template_body, which the engine parses into
#   input.cloudformation_templates, since opa-wasm has no YAML builtin). Their encryption and
#   recovery settings become verdicts of one shape, which records.rego gathers per table into the
#   table model the rules judge:
#     {"address", "subject", "verdict", "evidence": [...], "key"?}
#   `address` is the resource the finding goes to (the stack, for a template's table), `subject`
#   names the table inside it ("" for an awscc resource), `verdict` is owned | aws_managed |
#   not_allowed | customer | unprovable for keys, on | off | unprovable for settings. A stack whose
#   template cannot be read is in `unreadable`.
package ddb_guardrails.lib.dynamodb

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

# Encryption of each table: AWS-owned (SSE off), or the verdict on its key. A global table's keys
# are per replica (replica_keys); here only whether SSE is on.
_table_keys contains entry if {
	some type in _awscc_table_types
	some address, table in plan.of_type(type)
	state := _awscc_sse_state(table)
	state.verdict != "on"
	entry := object.union(state, {"address": address, "subject": ""})
}

_table_keys contains entry if {
	path := ["sse_specification", "kms_master_key_id"]
	some address, table in plan.of_type("awscc_dynamodb_table")
	_awscc_sse_state(table).verdict == "on"
	some verdict in _awscc_key_verdicts(table, "sse_specification.kms_master_key_id", path)
	entry := _awscc_key_entry(address, "", verdict)
}

_table_keys contains entry if {
	some table in _template_tables
	state := _template_sse_state(table)
	state.verdict != "on"
	entry := object.union(state, {"address": table.address, "subject": table.subject})
}

_table_keys contains entry if {
	some table in _template_tables
	table.type == "AWS::DynamoDB::Table"
	_template_sse_state(table).verdict == "on"
	not _parameter_known_after_apply(table, table.properties, ["SSESpecification", "KMSMasterKeyId"])
	label := concat("", [table.label, ".SSESpecification.KMSMasterKeyId"])
	verdict := _template_key_verdict(table, label, table.properties, ["SSESpecification", "KMSMasterKeyId"])
	entry := object.union(verdict, {"address": table.address, "subject": table.subject})
}

# A key given by a stack parameter whose value is known only after apply: the parameter followed
# to what the stack sets it to (a key of the plan, with its rotation).
_table_keys contains entry if {
	path := ["SSESpecification", "KMSMasterKeyId"]
	some table in _template_tables
	table.type == "AWS::DynamoDB::Table"
	_template_sse_state(table).verdict == "on"
	name := _parameter_known_after_apply(table, table.properties, path)
	label := concat("", [table.label, ".SSESpecification.KMSMasterKeyId <- parameters.", name])
	some verdict in _parameter_key_verdicts(table.stack, name, label)
	entry := _awscc_key_entry(table.address, table.subject, verdict)
}

# The key of each replica of a global table whose encryption is on.
_replica_keys contains entry if {
	some address, table in plan.of_type("awscc_dynamodb_global_table")
	_awscc_sse_state(table).verdict == "on"
	some i, replica in object.get(table.after, "replicas", [])
	label := concat("", [_awscc_replica_label(replica), ".sse_specification.kms_master_key_id"])
	some verdict in _awscc_key_verdicts(table, label, ["replicas", i, "sse_specification", "kms_master_key_id"])
	entry := _awscc_key_entry(address, "", verdict)
}

_replica_keys contains entry if {
	some table in _template_tables
	table.type == "AWS::DynamoDB::GlobalTable"
	_template_sse_state(table).verdict == "on"
	some replica in _template_replicas(table)
	not _parameter_known_after_apply(table, replica.properties, ["SSESpecification", "KMSMasterKeyId"])
	label := concat("", [replica.label, ".SSESpecification.KMSMasterKeyId"])
	verdict := _template_key_verdict(table, label, replica.properties, ["SSESpecification", "KMSMasterKeyId"])
	entry := object.union(verdict, {"address": table.address, "subject": table.subject})
}

_replica_keys contains entry if {
	some table in _template_tables
	table.type == "AWS::DynamoDB::GlobalTable"
	_template_sse_state(table).verdict == "on"
	some replica in _template_replicas(table)
	name := _parameter_known_after_apply(table, replica.properties, ["SSESpecification", "KMSMasterKeyId"])
	label := concat("", [replica.label, ".SSESpecification.KMSMasterKeyId <- parameters.", name])
	some verdict in _parameter_key_verdicts(table.stack, name, label)
	entry := _awscc_key_entry(table.address, table.subject, verdict)
}

_replica_keys contains entry if some entry in _unknown_replicas

# Point-in-time recovery of each table, or of each replica of a global table.
_pitr contains entry if {
	path := ["point_in_time_recovery_specification", "point_in_time_recovery_enabled"]
	some address, table in plan.of_type("awscc_dynamodb_table")
	entry := object.union(_awscc_setting(table, path, concat(".", path)), {"address": address, "subject": ""})
}

_pitr contains entry if {
	some address, table in plan.of_type("awscc_dynamodb_global_table")
	some i, replica in object.get(table.after, "replicas", [])
	label := concat("", [_awscc_replica_label(replica), ".point_in_time_recovery_specification.point_in_time_recovery_enabled"])
	path := ["replicas", i, "point_in_time_recovery_specification", "point_in_time_recovery_enabled"]
	entry := object.union(_awscc_setting(table, path, label), {"address": address, "subject": ""})
}

_pitr contains entry if {
	path := ["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]
	some table in _template_tables
	table.type == "AWS::DynamoDB::Table"
	label := concat("", [table.label, ".PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"])
	verdict := _template_setting(table, label, table.properties, path)
	entry := object.union(verdict, {"address": table.address, "subject": table.subject})
}

_pitr contains entry if {
	path := ["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]
	some table in _template_tables
	some replica in _template_replicas(table)
	label := concat("", [replica.label, ".PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"])
	verdict := _template_setting(table, label, replica.properties, path)
	entry := object.union(verdict, {"address": table.address, "subject": table.subject})
}

_pitr contains entry if some entry in _unknown_replicas

# Deletion protection of each table, or of each replica of a global table.
_deletion_protection contains entry if {
	some address, table in plan.of_type("awscc_dynamodb_table")
	entry := object.union(
		_awscc_setting(table, ["deletion_protection_enabled"], "deletion_protection_enabled"),
		{"address": address, "subject": ""},
	)
}

_deletion_protection contains entry if {
	some address, table in plan.of_type("awscc_dynamodb_global_table")
	some i, replica in object.get(table.after, "replicas", [])
	label := concat("", [_awscc_replica_label(replica), ".deletion_protection_enabled"])
	verdict := _awscc_setting(table, ["replicas", i, "deletion_protection_enabled"], label)
	entry := object.union(verdict, {"address": address, "subject": ""})
}

_deletion_protection contains entry if {
	some table in _template_tables
	table.type == "AWS::DynamoDB::Table"
	label := concat("", [table.label, ".DeletionProtectionEnabled"])
	verdict := _template_setting(table, label, table.properties, ["DeletionProtectionEnabled"])
	entry := object.union(verdict, {"address": table.address, "subject": table.subject})
}

_deletion_protection contains entry if {
	some table in _template_tables
	some replica in _template_replicas(table)
	label := concat("", [replica.label, ".DeletionProtectionEnabled"])
	verdict := _template_setting(table, label, replica.properties, ["DeletionProtectionEnabled"])
	entry := object.union(verdict, {"address": table.address, "subject": table.subject})
}

_deletion_protection contains entry if some entry in _unknown_replicas

# Keys of the plan these tables use, in the shape of kms.used_keys: key address -> set of evidence.
# Template keys (AWS::KMS::Key) are not resources of the plan.
used_keys[key] contains evidence if {
	some entry in (_table_keys | _replica_keys)
	some key in kms.rotation_subjects(entry.key)
	evidence := concat("", ["used by ", entry.address, ": ", entry.evidence[0]])
}

# Replica lists that cannot be read: every replica setting is unprovable.
_unknown_replicas contains {
	"address": address, "subject": "", "verdict": "unprovable",
	"evidence": references.unknown_chain(table, ["replicas"], "replicas"),
} if {
	some address, table in plan.of_type("awscc_dynamodb_global_table")
	table.unknown.replicas == true
}

_unknown_replicas contains {
	"address": table.address, "subject": table.subject, "verdict": "unprovable",
	"evidence": [concat("", [table.label, ".Replicas = ", json.marshal(replicas), " (not a list of replicas)"])],
} if {
	some table in _template_tables
	table.type == "AWS::DynamoDB::GlobalTable"
	replicas := object.get(table.properties, "Replicas", null)
	not is_array(replicas)
}

# Stacks whose template the plan does not carry in a readable form: {"address", "evidence": [...]}.
unreadable contains {"address": address, "evidence": evidence} if {
	some address, stack in stacks
	evidence := _unreadable_template(address, stack)
}

unreadable contains {"address": address, "evidence": [concat("", [
	"Resources.", id, " (AWS::CloudFormation::Stack): a nested stack, whose template is not in the plan",
])]} if {
	some address, template in readable_templates
	some id, resource in template.resources
	resource.Type == "AWS::CloudFormation::Stack"
}

_awscc_table_types := {"awscc_dynamodb_table", "awscc_dynamodb_global_table"}

# Whether server-side encryption with KMS is on: {"verdict": "on" | "owned" | "unprovable", "evidence"}.
# Not configured, the provider plans sse_specification as unknown: it is then AWS-owned (off).
_awscc_sse_state(table) := {"verdict": "owned", "evidence": ["sse_specification: not set (AWS-owned key)"]} if {
	table.unknown.sse_specification == true
	_computed_by_provider(table, "sse_specification")
} else := {"verdict": "unprovable", "evidence": chain} if {
	_unknown_at(table, ["sse_specification", "sse_enabled"])
	chain := references.unknown_chain(table, ["sse_specification"], "sse_specification.sse_enabled")
} else := {"verdict": "on"} if {
	table.after.sse_specification.sse_enabled == true
} else := {"verdict": "owned", "evidence": [concat("", [
	"sse_specification.sse_enabled = ",
	json.marshal(object.get(table.after, ["sse_specification", "sse_enabled"], null)),
	" (AWS-owned key)",
])]}

# The verdicts on a key attribute of an awscc resource. An attribute is one expression in the plan's
# configuration (sse_specification, replicas), so an unknown key is followed through the references
# of that whole expression. Unknown under a constant expression, the key was left to the provider's
# default (aws/dynamodb); an object around it unknown as a whole may be unset or set from a
# reference, which the plan cannot tell apart.
_awscc_key_verdicts(table, label, path) := kms.verdicts(table, label, object.get(table.after, path, null), false, null) if {
	not _unknown_at(table, path)
} else := kms.verdicts(table, label, null, false, null) if {
	_computed_by_provider(table, path[0])
} else := {{"verdict": "unprovable", "evidence": concat("; ", references.unknown_chain(
	table, [path[0]],
	concat("", [label, " (not set, or set from a value known only after apply)"]),
))}} if {
	object.get(table.unknown, array.slice(path, 0, count(path) - 1), false) == true
} else := kms.verdicts(table, label, null, true, plan.expression(table, [path[0]]))

_awscc_key_entry(address, subject, verdict) := object.union(
	{"address": address, "subject": subject, "verdict": verdict.verdict, "evidence": [verdict.evidence]},
	{"key": key | key := verdict.key},
)

_awscc_replica_label(replica) := concat("", ["replicas[region = ", object.get(replica, "region", "(unknown)"), "]"])

# An on/off setting of an awscc resource at a path of its attributes.
_awscc_setting(resource, path, label) := {"verdict": "on"} if {
	object.get(resource.after, path, null) == true
} else := {"verdict": "off", "evidence": [concat("", [label, ": not set (off)"])]} if {
	_unknown_at(resource, path)
	_computed_by_provider(resource, path[0])
} else := {"verdict": "unprovable", "evidence": references.unknown_chain(resource, [path[0]], label)} if {
	_unknown_at(resource, path)
} else := {"verdict": "off", "evidence": [concat("", [label, " = ", json.marshal(object.get(resource.after, path, null))])]}

# The value at path, or a value that contains it, is known only after apply.
_unknown_at(resource, path) if {
	some n in numbers.range(1, count(path))
	object.get(resource.unknown, array.slice(path, 0, n), false) == true
}

# An attribute that is unknown although its configuration is absent or a constant was computed by the
# provider (its default); one whose expression references something is unknown because of that.
_computed_by_provider(resource, attribute) if {
	plan.config(resource)
	plan.expression(resource, [attribute]) == null
}

_computed_by_provider(resource, attribute) if {
	expression := plan.expression(resource, [attribute])
	count(object.get(expression, "references", [])) == 0
	references.has_key(expression, "constant_value")
}

# CloudFormation stacks of the plan, by address.
stacks[address] := stack if {
	some type in {"aws_cloudformation_stack", "aws_cloudformation_stack_set"}
	some address, stack in plan.of_type(type)
}

readable_templates[address] := template if {
	some address, stack in stacks
	not _unreadable_template(address, stack)
	template := input.cloudformation_templates[address]
}

# Undefined when the template can be read.
_unreadable_template(address, stack) := _cloudcontrol_unreadable(address, stack) if stack.type == _cloudcontrol_type

_unreadable_template(address, stack) := _stack_unreadable(address, stack) if stack.type != _cloudcontrol_type

_stack_unreadable(address, stack) := [concat("", [
	"template_body: not set; the template at template_url = ",
	json.marshal(object.get(stack.after, "template_url", "(known after apply)")),
	" is not in the plan",
])] if {
	not util.non_empty_string(object.get(stack.after, "template_body", null))
	_computed_by_provider(stack, "template_body")
} else := references.unknown_chain(stack, ["template_body"], "template_body") if {
	stack.unknown.template_body == true
} else := ["template_body: not set"] if {
	not util.non_empty_string(object.get(stack.after, "template_body", null))
} else := [concat("", ["template_body cannot be read as CloudFormation does: ", template.error])] if {
	template := input.cloudformation_templates[address]
	template.error
} else := ["template_body was not read by the engine (no cloudformation_templates in the input)"] if {
	not input.cloudformation_templates[address]
} else := ["the template declares a Transform: macros rewrite it before CloudFormation creates anything"] if {
	input.cloudformation_templates[address].transform == true
}

# Every AWS::DynamoDB::Table / GlobalTable of a readable template.
_template_tables contains table if {
	some address, template in readable_templates
	some id, resource in template.resources
	resource.Type in {"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"}
	table := {
		"address": address,
		"stack": stacks[address],
		"template": template,
		"type": resource.Type,
		"subject": _resource_subject(address, id, resource.Type),
		"label": _resource_label(address, id),
		"properties": object.get(resource, "Properties", {}),
	}
}

_template_replicas(table) := [replica |
	table.type == "AWS::DynamoDB::GlobalTable"
	replicas := object.get(table.properties, "Replicas", [])
	is_array(replicas)
	some properties in replicas
	replica := {
		"label": concat("", [table.label, ".Replicas[Region = ", _region_name(properties), "]"]),
		"properties": properties,
	}
]

_region_name(replica) := region if {
	region := replica.Region
	is_string(region)
} else := "(not a literal)"

_template_sse_state(table) := state if {
	label := concat("", [table.label, ".SSESpecification.SSEEnabled"])
	setting := _template_setting(table, label, table.properties, ["SSESpecification", "SSEEnabled"])
	state := object.union(setting, {"verdict": _sse_verdicts[setting.verdict]})
}

_sse_verdicts := {"on": "on", "off": "owned", "unprovable": "unprovable"}

# An on/off property: a boolean, or the strings "true"/"false" CloudFormation accepts for one.
_template_setting(table, label, properties, path) := {"verdict": "unprovable", "evidence": [_unevaluated(label, value)]} if {
	value := _template_value(table, properties, path)
	is_object(value)
} else := {"verdict": "on"} if {
	_template_value(table, properties, path) in {true, "true", "True", "TRUE"}
} else := {"verdict": "off", "evidence": [concat("", [label, ": not set (off)"])]} if {
	_template_value(table, properties, path) == null
} else := {"verdict": "off", "evidence": [concat("", [label, " = ", json.marshal(_template_value(table, properties, path))])]}

# The key of a table or replica: a key of the template, a literal (or a parameter set to one), else unprovable.
_template_key_verdict(table, label, properties, path) := {"verdict": "aws_managed", "evidence": [concat("", [
	label, ": not set (AWS-managed key aws/dynamodb)",
])]} if {
	_template_value(table, properties, path) == null
} else := {"verdict": verdict.verdict, "evidence": [verdict.evidence]} if {
	value := _template_value(table, properties, path)
	is_string(value)
	verdict := kms.literal_verdict(label, value)
} else := {"verdict": "customer", "evidence": [concat("", [label, " <- Resources.", id, " (", key_type, " of the template)"])]} if {
	id := _template_key_reference(_template_value(table, properties, path))
	key_type := table.template.resources[id].Type
	key_type in {"AWS::KMS::Key", "AWS::KMS::ReplicaKey", "AWS::KMS::Alias"}
} else := {"verdict": "unprovable", "evidence": [_unevaluated(label, _template_value(table, properties, path))]}

_template_key_reference(value) := value.Ref

_template_key_reference(value) := value["Fn::GetAtt"][0] if value["Fn::GetAtt"][1] == "Arn"

# The name of the parameter a property refers to (!Ref / {"Ref": ...}), when the stack sets it to
# a value known only after apply.
_parameter_known_after_apply(table, properties, path) := name if {
	value := _template_value(table, properties, path)
	value.parameters == "known after apply"
	name := value.Ref
}

# What the stack sets a parameter to: the source model's expression for that key when the source
# is at hand; else the expression of the whole parameters map, whose known values (other keys,
# variables) are not candidates for a value known only after apply.
_parameter_key_verdicts(stack, name, label) := kms.verdicts(stack, label, null, true, expression) if {
	expression := plan.expression(stack, ["parameters", name])
	expression != null
} else := {kms.source_verdict(label, source) |
	some source in candidates
} if {
	candidates := {source |
		some source in references.sources_of(stack, plan.expression(stack, ["parameters"]))
		source.kind != "constant"
	}
	count(candidates) > 0
} else := {{"verdict": "unprovable", "evidence": concat("", [label, ": known after apply, from nothing the plan holds"])}}

_unevaluated(label, value) := concat("", [
	label, " = ", json.marshal(value),
	" (evaluated by CloudFormation at deploy time; the plan cannot follow it)",
])

# A property value, with a Ref to a template parameter replaced by the value the stack gives it (or
# its Default when the stack sets no parameters); an intrinsic function above it is returned as is.
_template_value(table, properties, path) := value if {
	count(path) > 1
	some n in numbers.range(1, count(path) - 1)
	value := object.get(properties, array.slice(path, 0, n), null)
	intrinsic(value)
} else := _parameter_value(table, object.get(properties, path, null).Ref) if {
	table.template.parameters[object.get(properties, path, null).Ref]
} else := object.get(properties, path, null)

intrinsic(value) if {
	is_object(value)
	count(value) == 1
	some key, _ in value
	_intrinsic_key(key)
}

_intrinsic_key("Ref")

_intrinsic_key(key) if startswith(key, "Fn::")

_parameter_value(table, name) := value if {
	value := table.stack.after.parameters[name]
} else := {"Ref": name, "parameters": "known after apply"} if {
	table.stack.unknown.parameters[name] == true
} else := {"Ref": name, "parameters": "known after apply"} if {
	table.stack.unknown.parameters == true
	not _computed_by_provider(table.stack, "parameters")
	not _unset_in_source(table.stack, name)
} else := object.get(table.template.parameters[name], "Default", null)

# The source model lists the keys the stack's parameters map sets (the plan marks the whole map
# unknown when one value is): a parameter not among them takes its Default.
_unset_in_source(stack, name) if not name in input.source.attributes[stack.address]["parameters[*]"].constant_value
