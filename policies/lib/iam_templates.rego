# Policies written inside the CloudFormation templates of the plan's stacks (template_body, parsed
# by the engine into input.cloudformation_templates; see lib/tables.rego). Each place a template
# resource holds a policy is a row of a table (resource type -> kind and property path), read into
# the same `documents` as the policies written in Terraform, held by the stack, so that every rule
# judges them alike. A stack whose template cannot be read (template_url, unknown body, Transform,
# nested stack) may create any policy: it is an "unprovable" document of each kind.
package ddb_guardrails.lib.iam

import rego.v1

import data.ddb_guardrails.lib.tables

# The policies of each template resource type: [kind, property path]; "*" is each element of a list.
template_policy_paths := {
	"AWS::IAM::ManagedPolicy": [["identity", ["PolicyDocument"]]],
	"AWS::IAM::Policy": [["identity", ["PolicyDocument"]]],
	"AWS::IAM::RolePolicy": [["identity", ["PolicyDocument"]]],
	"AWS::IAM::UserPolicy": [["identity", ["PolicyDocument"]]],
	"AWS::IAM::GroupPolicy": [["identity", ["PolicyDocument"]]],
	"AWS::IAM::Role": [["identity", ["Policies", "*", "PolicyDocument"]], ["identity", ["ManagedPolicyArns"]]],
	"AWS::IAM::User": [["identity", ["Policies", "*", "PolicyDocument"]], ["identity", ["ManagedPolicyArns"]]],
	"AWS::IAM::Group": [["identity", ["Policies", "*", "PolicyDocument"]], ["identity", ["ManagedPolicyArns"]]],
	"AWS::SSO::PermissionSet": [
		["identity", ["InlinePolicy"]],
		["identity", ["ManagedPolicies"]],
		["identity", ["CustomerManagedPolicyReferences"]],
	],
	"AWS::DynamoDB::Table": [
		["dynamodb_resource", ["ResourcePolicy", "PolicyDocument"]],
		["dynamodb_resource", ["StreamSpecification", "ResourcePolicy", "PolicyDocument"]],
	],
	"AWS::DynamoDB::GlobalTable": [
		["dynamodb_resource", ["Replicas", "*", "ResourcePolicy", "PolicyDocument"]],
		["dynamodb_resource", ["Replicas", "*", "ReplicaStreamSpecification", "ResourcePolicy", "PolicyDocument"]],
	],
}

documents contains document if {
	some slot in template_slots
	document := object.union(with_coverage(template_document(slot)), {
		"holder": slot.address,
		"holder_type": slot.holder_type,
		"kind": slot.kind,
		"path": sprintf("template_body %s (%s)", [slot.label, slot.type]),
	})
}

# A template that cannot be read: one document of each kind the FGAC rules read.
documents contains document if {
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
#   {"address", "holder_type", "id", "type", "kind", "label", "value"}
# `value` is what the path holds (null when not set), or the intrinsic function met on the way.
template_slots contains slot if {
	some address, template in tables.readable_templates
	some id, resource in template.resources
	some [kind, path] in template_policy_paths[resource.Type]
	properties := object.get(resource, "Properties", {})
	some [concrete, value] in template_values(properties, path)
	not value in {null, []}
	slot := {
		"address": address,
		"holder_type": tables.stacks[address].type,
		"id": id,
		"type": resource.Type,
		"kind": kind,
		"label": concat("", ["Resources.", id, ".Properties", template_path_text(concrete)]),
		"value": value,
	}
}

# [concrete path, value] for a path without "*"; the first intrinsic function above it stops it.
template_values(properties, path) := {[path, template_value_at(properties, path)]} if not "*" in path

# With "*": each element of the list (a list that is an intrinsic function stops there).
template_values(properties, path) := {[concrete, template_value_at(properties, concrete)] |
	some n, segment in path
	segment == "*"
	prefix := array.slice(path, 0, n)
	list := template_value_at(properties, prefix)
	is_array(list)
	some i, _ in list
	concrete := array.concat(array.concat(prefix, [i]), array.slice(path, n + 1, count(path)))
} | {[prefix, list] |
	some n, segment in path
	segment == "*"
	prefix := array.slice(path, 0, n)
	list := template_value_at(properties, prefix)
	tables.intrinsic(list)
} if {
	"*" in path
}

template_value_at(properties, path) := properties if {
	tables.intrinsic(properties)
} else := value if {
	some n in numbers.range(1, count(path) - 1)
	value := object.get(properties, array.slice(path, 0, n), null)
	tables.intrinsic(value)
} else := object.get(properties, path, null)

# ["Policies", 0, "PolicyDocument"] -> ".Policies[0].PolicyDocument"
template_path_text(path) := concat("", [format_segment(segment) | some segment in path])

# The document of a slot. Policies inside templates are not read yet: every one is unprovable.
template_document(slot) := {
	"status": "unprovable",
	"origin": concat(" ", ["template_body", slot.label]),
	"reason": sprintf("policies inside CloudFormation templates are not read (%s of %s)", [slot.label, slot.type]),
}
