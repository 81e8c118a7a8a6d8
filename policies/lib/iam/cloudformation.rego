# Policies written inside the CloudFormation templates of the plan's stacks (template_body, parsed
# by the engine into input.cloudformation_templates; see lib/dynamodb). Each place a template
# resource holds a policy is a row of a table (resource type -> kind, form and property path), read
# into the same `documents` as the policies written in Terraform, held by the stack, so that every
# rule judges them alike. Plain JSON is read exactly; an intrinsic function inside a policy (Fn::Sub,
# Ref...) is evaluated only at deploy time, so that policy is "unprovable". A stack whose template
# cannot be read (template_url, unknown body, Transform, nested stack) may create any policy: it is
# an "unprovable" document of each kind.
package ddb_guardrails.lib.iam

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.lib.dynamodb as tables

# The policies of each template resource type: [kind, form, property path]; "*" is each element of
# a list. Forms: "document" (a policy document), "arns" (managed policies attached by ARN),
# "references" (customer-managed policies named, whose statements are not in the template).
_template_policy_paths := {
	"AWS::IAM::ManagedPolicy": [["identity", "document", ["PolicyDocument"]]],
	"AWS::IAM::Policy": [["identity", "document", ["PolicyDocument"]]],
	"AWS::IAM::RolePolicy": [["identity", "document", ["PolicyDocument"]]],
	"AWS::IAM::UserPolicy": [["identity", "document", ["PolicyDocument"]]],
	"AWS::IAM::GroupPolicy": [["identity", "document", ["PolicyDocument"]]],
	"AWS::IAM::Role": _principal_policy_paths,
	"AWS::IAM::User": _principal_policy_paths,
	"AWS::IAM::Group": _principal_policy_paths,
	"AWS::SSO::PermissionSet": [
		["identity", "document", ["InlinePolicy"]],
		["identity", "arns", ["ManagedPolicies"]],
		["identity", "references", ["CustomerManagedPolicyReferences"]],
	],
	"AWS::DynamoDB::Table": [
		["dynamodb_resource", "document", ["ResourcePolicy", "PolicyDocument"]],
		["dynamodb_resource", "document", ["StreamSpecification", "ResourcePolicy", "PolicyDocument"]],
	],
	"AWS::DynamoDB::GlobalTable": [
		["dynamodb_resource", "document", ["Replicas", "*", "ResourcePolicy", "PolicyDocument"]],
		["dynamodb_resource", "document", ["Replicas", "*", "ReplicaStreamSpecification", "ResourcePolicy", "PolicyDocument"]],
	],
}

_principal_policy_paths := [
	["identity", "document", ["Policies", "*", "PolicyDocument"]],
	["identity", "arns", ["ManagedPolicyArns"]],
]

_stack_documents contains document if {
	some slot in _template_slots
	some found in _template_documents(slot)
	document := object.union(_with_coverage(found), {
		"holder": slot.address,
		"holder_type": slot.holder_type,
		"kind": slot.kind,
		"path": object.get(found, "path", sprintf("template_body %s (%s)", [slot.label, slot.type])),
	})
}

# A template that cannot be read: one document of each kind the FGAC rules read.
_stack_documents contains document if {
	some stack in tables.unreadable
	some kind in ["identity", "dynamodb_resource"]
	reason := concat("; ", stack.evidence)
	document := {
		"holder": stack.address,
		"holder_type": tables.stacks[stack.address].type,
		"kind": kind,
		"path": "template_body",
		"origin": "template_body",
		"status": "unprovable",
		"reason": sprintf("%s, so the IAM policies it may create cannot be checked", [reason]),
	}
}

# Every place a readable template holds a policy, set or not:
#   {"address", "holder_type", "type", "kind", "form", "label", "value", "resources"}
# `value` is what the path holds (null when not set), or the intrinsic function met on the way.
_template_slots contains slot if {
	some address, template in tables.readable_templates
	some id, resource in template.resources
	some [kind, form, path] in _template_policy_paths[resource.Type]
	properties := object.get(resource, "Properties", {})
	some [concrete, value] in _template_values(properties, path)
	not value in {null, []}
	slot := {
		"address": address,
		"holder_type": tables.stacks[address].type,
		"type": resource.Type,
		"kind": kind,
		"form": form,
		"label": concat("", ["Resources.", id, ".Properties", _template_path_text(concrete)]),
		"value": value,
		"resources": template.resources,
	}
}

# [concrete path, value] for a path without "*"; the first intrinsic function above it stops it.
_template_values(properties, path) := {[path, _template_value_at(properties, path)]} if not "*" in path

# With "*": each element of the list (a list that is an intrinsic function stops there).
_template_values(properties, path) := {[concrete, _template_value_at(properties, concrete)] |
	some n, segment in path
	segment == "*"
	prefix := array.slice(path, 0, n)
	list := _template_value_at(properties, prefix)
	is_array(list)
	some i, _ in list
	concrete := array.concat(array.concat(prefix, [i]), array.slice(path, n + 1, count(path)))
} | {[prefix, list] |
	some n, segment in path
	segment == "*"
	prefix := array.slice(path, 0, n)
	list := _template_value_at(properties, prefix)
	tables.intrinsic(list)
} if {
	"*" in path
}

_template_value_at(properties, path) := properties if {
	tables.intrinsic(properties)
} else := value if {
	some n in numbers.range(1, count(path) - 1)
	value := object.get(properties, array.slice(path, 0, n), null)
	tables.intrinsic(value)
} else := object.get(properties, path, null)

# ["Policies", 0, "PolicyDocument"] -> ".Policies[0].PolicyDocument"
_template_path_text(path) := concat("", [_format_segment(segment) | some segment in path])

# A policy document written as JSON (an object, or a string holding one), read as Terraform's are.
_template_documents(slot) := {_parse_json(slot.value, _template_origin(slot))} if {
	slot.form == "document"
	is_string(slot.value)
}

_template_documents(slot) := {{
	"status": "known",
	"origin": _template_origin(slot),
	"statements": [json_statement(statement) | some statement in util.as_list(object.get(slot.value, "Statement", []))],
}} if {
	slot.form == "document"
	is_object(slot.value)
	count(_intrinsics_in(slot.value)) == 0
}

# An intrinsic function anywhere in it (Fn::Sub, Ref, Fn::If...) is only evaluated at deploy time.
_template_documents(slot) := {_template_unprovable(slot, reason)} if {
	slot.form == "document"
	count(_intrinsics_in(slot.value)) > 0
	reason := sprintf(
		"it holds %s, which CloudFormation evaluates at deploy time; the plan cannot follow it",
		[min(_intrinsics_in(slot.value))],
	)
}

_template_documents(slot) := {_template_unprovable(slot, "it is not a policy document (a JSON object)")} if {
	slot.form == "document"
	not is_string(slot.value)
	not is_object(slot.value)
}

# Managed policies attached by ARN: read as Terraform's attachments are; a Ref to a managed policy of
# the same template is judged there; any other value is unprovable.
_template_documents(slot) := {document |
	some i, arn in slot.value
	some document in _template_arn_documents(slot, i, arn)
} if {
	slot.form == "arns"
	is_array(slot.value)
}

_template_documents(slot) := {_template_unprovable(slot, reason)} if {
	slot.form == "arns"
	not is_array(slot.value)
	reason := sprintf("%s, which CloudFormation evaluates at deploy time; the plan cannot follow it", [json.marshal(slot.value)])
}

_template_documents(slot) := {_template_unprovable(slot, reason)} if {
	slot.form == "references"
	reason := "the customer-managed policies it names are not in the template, so their statements cannot be read"
}

_template_arn_documents(slot, i, arn) := {_arn_document(arn, sprintf("template_body %s[%d] (%s)", [slot.label, i, slot.type]))} if is_string(arn)

_template_arn_documents(slot, _, arn) := set() if _template_policy_ref(slot, arn)

_template_arn_documents(slot, i, arn) := {_template_unprovable(slot, reason)} if {
	not is_string(arn)
	not _template_policy_ref(slot, arn)
	reason := sprintf("[%d] = %s, which CloudFormation evaluates at deploy time; the plan cannot follow it", [i, json.marshal(arn)])
}

_template_policy_ref(slot, arn) if slot.resources[arn.Ref].Type == "AWS::IAM::ManagedPolicy"

# Every intrinsic function in a value, as JSON.
_intrinsics_in(value) := {json.marshal(node) |
	walk(value, [_, node])
	tables.intrinsic(node)
}

_template_origin(slot) := concat(" ", ["template_body", slot.label])

_template_unprovable(slot, reason) := {"status": "unprovable", "origin": _template_origin(slot), "reason": reason}
