# METADATA
# title: Changes to what exists
# description: >-
#   The managed resources a plan updates, deletes or replaces, with the values they have today
#   (`before`, from the state the plan was made against) beside the planned ones. The regression
#   rules compare the two; every other rule judges what will exist after apply (lib/plan).
#     {"address", "type", "name", "module", "actions", "before", "after", "unknown", "deleted", "replaced"}
#   `deleted`: the resource is gone after apply (["delete"]); `replaced`: it is destroyed and
#   created again (["delete", "create"] or ["create", "delete"]), losing what it held.
package ddb_guardrails.lib.plan.changes

import rego.v1

import data.ddb_guardrails.lib.util

_existing[address] := change if {
	some rc in input.resource_changes
	rc.mode == "managed"
	"delete" in rc.change.actions
	address := rc.address
	change := _entry(rc)
}

_existing[address] := change if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.change.actions == ["update"]
	address := rc.address
	change := _entry(rc)
}

_entry(rc) := {
	"address": rc.address,
	"type": rc.type,
	"name": rc.name,
	"module": object.get(rc, "module_address", ""),
	"actions": rc.change.actions,
	"before": util.object_or_empty(object.get(rc.change, "before", null)),
	"after": util.object_or_empty(rc.change.after),
	"unknown": util.object_or_empty(object.get(rc.change, "after_unknown", {})),
	"deleted": rc.change.actions == ["delete"],
	"replaced": count(rc.change.actions) == 2,
}

# Resources the plan deletes and does not create again: judged on what they were, and counted as
# checked (a plan that only deletes is never "no resources to check").
deleted contains address if {
	some address, change in _existing
	change.deleted
}

# Updated in place, by type: the settings of something that stays.
updated(type) := {address: change |
	some address, change in _existing
	change.type == type
	change.actions == ["update"]
}

# Deleted or replaced, by type: what it held is lost.
destroyed(type) := {address: change |
	some address, change in _existing
	change.type == type
	"delete" in change.actions
}

# A setting of `before` that is on, and off after the change; an unknown planned value is not "off".
turned_off(change, path) if {
	object.get(change.before, path, null) == true
	not object.get(change.after, path, null) == true
	not object.get(change.unknown, path, false) == true
	not unknown_block(change, path)
}

# A setting of `before` that is on, whose planned value is known only after apply: the rule cannot
# tell whether the change turns it off.
unknown_after(change, path) if {
	object.get(change.before, path, null) == true
	object.get(change.unknown, path, false) == true
}

unknown_after(change, path) if {
	object.get(change.before, path, null) == true
	unknown_block(change, path)
}

# The provider computes a whole block (e.g. ttl) when the configuration leaves it out.
unknown_block(change, path) if object.get(change.unknown, [path[0]], false) == true

# The ARNs of the customer-managed keys that tables use today or after the change: a key is a table
# key if a table's kms_key_arn names it in the state or in the plan.
table_key_arns contains arn if {
	some change in _existing
	change.type == "aws_dynamodb_table"
	arn := change.before.server_side_encryption[0].kms_key_arn
	is_string(arn)
	arn != ""
}

table_key_arns contains arn if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type in {"aws_dynamodb_table", "aws_dynamodb_table_replica"}
	some arn in [object.get(rc.change, ["after", "server_side_encryption", 0, "kms_key_arn"], null), object.get(rc.change, ["after", "kms_key_arn"], null)]
	is_string(arn)
	arn != ""
}

table_key_arns contains arn if {
	some change in _existing
	change.type == "aws_dynamodb_table_replica"
	arn := change.before.kms_key_arn
	is_string(arn)
	arn != ""
}

# Which table uses a key (for evidence): the first by address.
key_users(arn) := sort({rc.address |
	some rc in input.resource_changes
	rc.type in {"aws_dynamodb_table", "aws_dynamodb_table_replica"}
	some side in ["before", "after"]
	value := object.get(rc.change, [side, "server_side_encryption", 0, "kms_key_arn"], object.get(rc.change, [side, "kms_key_arn"], null))
	value == arn
})

# "point_in_time_recovery[0].enabled: true -> false" (null: not set).
evidence(change, path) := sprintf("%s: %v -> %v", [
	path_label(path),
	object.get(change.before, path, null),
	object.get(change.after, path, null),
])

path_label(path) := concat("", [_format_step(i, step) | some i, step in path])

_format_step(_, step) := sprintf("[%d]", [step]) if is_number(step)

_format_step(0, step) := step if is_string(step)

_format_step(i, step) := concat("", [".", step]) if {
	is_string(step)
	i > 0
}
