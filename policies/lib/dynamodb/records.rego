# The table model (part of lib/dynamodb's package): one record per DynamoDB table of the plan,
# whatever created it, so that a table rule judges one shape:
#   {"address", "subject", "provider", "type", "data_class",
#    "encryption", "replica_keys", "pitr", "deletion_protection", "ttl"}
# `address` is the resource a finding goes to (the stack, for a template's table), `subject` names the
# table inside it ("" for a resource of the plan), `provider` is aws | awscc | cloudformation |
# cloudcontrol and `type` the table's resource type (aws_dynamodb_table_replica for a replica that is
# a resource of its own), `data_class` its ddb-guardrails:data-class tag (aws provider; else null).
# TTL is read on aws_dynamodb_table only (empty elsewhere). Each setting is a set of verdicts
# {"verdict", "evidence": [...]}:
#   - keys: customer | owned | aws_managed | not_allowed | unprovable, with `key` when it is a key of
#     the plan; settings: on | off | unprovable;
#   - unreadable, for every setting of a stack or Cloud Control resource whose template cannot be
#     read (one record per unreadable template, subject "");
#   - optional `attribute`, the aws provider's attribute the verdict is about; `cause`: absent (the
#     configuration has no block, the provider computed it) or unknown (only known after apply);
#     `region`, the region of an aws replica block.
package ddb_guardrails.lib.dynamodb

import rego.v1

import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.source
import data.ddb_guardrails.lib.plan.tags
import data.ddb_guardrails.lib.references

# A list, not a set: every table rule iterates the records, and OPA's wasm runtime hashes a set's
# element whole at each step of iterating it.
records := [record | some record in _records]

_records contains {
	"address": address, "subject": "", "provider": "aws", "type": table.type,
	"encryption": object.get(_aws_encryption, address, set()),
	"replica_keys": object.get(_aws_replica_keys, address, set()),
	"pitr": object.get(_aws_pitr, address, set()),
	"deletion_protection": object.get(_aws_deletion_protection, address, set()),
	"ttl": object.get(_aws_ttl, address, set()),
	"data_class": _data_class(table),
} if {
	some type in {"aws_dynamodb_table", "aws_dynamodb_table_replica"}
	some address, table in plan.of_type(type)
}

_records contains _template_record(address, "", "awscc", table.type) if {
	some type in _awscc_table_types
	some address, table in plan.of_type(type)
}

_records contains _template_record(table.address, table.subject, _stack_provider(table.stack), table.type) if {
	some table in _template_tables
}

_records contains {
	"address": stack.address, "subject": "", "provider": _stack_provider(stacks[stack.address]), "type": null,
	"encryption": verdicts, "replica_keys": verdicts, "pitr": verdicts, "deletion_protection": verdicts,
	"ttl": set(), "data_class": null,
} if {
	some stack in unreadable
	verdicts := {{"verdict": "unreadable", "evidence": stack.evidence}}
}

# The message of a finding on a template that cannot be read: `setting` names what is not checked.
unreadable_message(setting) := concat("", [
	"the stack's template cannot be read, so the ", setting, " of the tables it declares cannot be checked",
])

_stack_provider(stack) := "cloudcontrol" if stack.type == _cloudcontrol_type

_stack_provider(stack) := "cloudformation" if stack.type != _cloudcontrol_type

# The verdicts of lib/dynamodb's awscc and template sets on one table.
_template_record(address, subject, provider, type) := {
	"address": address, "subject": subject, "provider": provider, "type": type,
	"encryption": _verdicts_of(_table_keys, address, subject),
	"replica_keys": _verdicts_of(_replica_keys, address, subject),
	"pitr": _verdicts_of(_pitr, address, subject),
	"deletion_protection": _verdicts_of(_deletion_protection, address, subject),
	"ttl": set(),
	"data_class": null,
}

_verdicts_of(entries, address, subject) := {object.remove(entry, ["address", "subject"]) |
	some entry in entries
	entry.address == address
	entry.subject == subject
}

# The aws provider's tables (aws_dynamodb_table) and replicas (aws_dynamodb_table_replica), by address.
_aws_tables := plan.of_type("aws_dynamodb_table")

_aws_replicas := plan.of_type("aws_dynamodb_table_replica")

_aws_encryption[address] contains {
	"verdict": "owned", "attribute": "server_side_encryption",
	"evidence": ["server_side_encryption[0].enabled: not true"],
} if {
	some address, table in _aws_tables
	not table.unknown.server_side_encryption == true
	not table.after.server_side_encryption[0].enabled == true
}

# The provider computes the block when the configuration has none. A dynamic block is not in the
# configuration either; it is judged as absent, since its content cannot be seen before apply.
_aws_encryption[address] contains entry if {
	some address, table in _aws_tables
	table.unknown.server_side_encryption == true
	plan.config(table)
	plan.expression(table, ["server_side_encryption"]) == null
	entry := {
		"verdict": "owned", "cause": "absent", "attribute": "server_side_encryption",
		"evidence": [source.missing_block(table, "server_side_encryption")],
	}
}

_aws_encryption[address] contains {
	"verdict": "unprovable", "cause": "unknown", "attribute": "server_side_encryption",
	"evidence": ["server_side_encryption: (known after apply)"],
} if {
	some address, table in _aws_tables
	table.unknown.server_side_encryption == true
	not plan.expression(table, ["server_side_encryption"]) == null
}

_aws_encryption[address] contains _key_entry(verdict, "kms_key_arn") if {
	some address, table in _aws_tables
	some verdict in kms.table_key_verdicts(table)
}

_aws_replica_keys[address] contains {
	"verdict": "unprovable", "cause": "unknown", "attribute": "replica",
	"evidence": ["replica: (known after apply)"],
} if {
	some address, table in _aws_tables
	table.unknown.replica == true
}

_aws_replica_keys[address] contains _key_entry(verdict, null) if {
	some address, table in _aws_tables
	some i, _ in object.get(table.after, "replica", [])
	some verdict in kms.replica_block_verdicts(table, i)
}

_aws_replica_keys[address] contains _key_entry(verdict, null) if {
	some address, replica in _aws_replicas
	some verdict in kms.replica_resource_verdicts(replica)
}

# A kms.verdicts entry as a record's verdict.
_key_entry(verdict, attribute) := object.union(
	{"verdict": verdict.verdict, "evidence": [verdict.evidence]},
	object.union({"key": key | key := verdict.key}, {"attribute": attribute | attribute != null}),
)

_aws_pitr[address] contains {"verdict": "on"} if {
	some address, table in _aws_tables
	table.after.point_in_time_recovery[0].enabled == true
}

_aws_pitr[address] contains entry if {
	some address, table in _aws_tables
	not table.unknown.point_in_time_recovery == true
	not table.after.point_in_time_recovery[0].enabled == true
	not table.unknown.point_in_time_recovery[0].enabled == true
	entry := {"verdict": "off", "evidence": [sprintf(
		"point_in_time_recovery[0].enabled = %v",
		[object.get(table.after, ["point_in_time_recovery", 0, "enabled"], null)],
	)]}
}

# Computed by the provider when the configuration has no block (or a dynamic one): off.
_aws_pitr[address] contains entry if {
	some address, table in _aws_tables
	table.unknown.point_in_time_recovery == true
	plan.config(table)
	plan.expression(table, ["point_in_time_recovery"]) == null
	entry := {
		"verdict": "off", "cause": "absent", "attribute": "point_in_time_recovery",
		"evidence": [source.missing_block(table, "point_in_time_recovery")],
	}
}

_aws_pitr[address] contains entry if {
	some address, table in _aws_tables
	_aws_pitr_unknown(table)
	entry := {
		"verdict": "unprovable", "cause": "unknown", "attribute": "point_in_time_recovery",
		"evidence": references.unknown_chain(table, ["point_in_time_recovery", 0, "enabled"], "point_in_time_recovery[0].enabled"),
	}
}

# Replica blocks: off by default.
_aws_pitr[address] contains entry if {
	some address, table in _aws_tables
	some i, replica in object.get(table.after, "replica", [])
	not table.unknown.replica[i].point_in_time_recovery == true
	entry := {
		"verdict": _on_off(object.get(replica, "point_in_time_recovery", null)),
		"region": object.get(replica, "region_name", "(unknown region)"),
		"evidence": [sprintf("replica[region_name = %v].point_in_time_recovery = %v", [
			object.get(replica, "region_name", "(unknown)"),
			object.get(replica, "point_in_time_recovery", null),
		])],
	}
}

_aws_pitr[address] contains entry if {
	some address, replica in _aws_replicas
	not replica.unknown.point_in_time_recovery == true
	entry := {
		"verdict": _on_off(object.get(replica.after, "point_in_time_recovery", null)),
		"evidence": [sprintf("point_in_time_recovery = %v", [object.get(replica.after, "point_in_time_recovery", null)])],
	}
}

# A replica whose setting is only known after apply may be off: unprovable, not passed.
_aws_pitr[address] contains entry if {
	some address, table in _aws_tables
	some i, replica in object.get(table.after, "replica", [])
	table.unknown.replica[i].point_in_time_recovery == true
	label := sprintf("replica[region_name = %v].point_in_time_recovery", [object.get(replica, "region_name", "(unknown)")])
	entry := {
		"verdict": "unprovable", "cause": "unknown", "attribute": label,
		"evidence": references.unknown_chain(table, ["replica", i, "point_in_time_recovery"], label),
	}
}

_aws_pitr[address] contains entry if {
	some address, replica in _aws_replicas
	replica.unknown.point_in_time_recovery == true
	entry := {
		"verdict": "unprovable", "cause": "unknown", "attribute": "point_in_time_recovery",
		"evidence": references.unknown_chain(replica, ["point_in_time_recovery"], "point_in_time_recovery"),
	}
}

_aws_pitr_unknown(table) if {
	table.unknown.point_in_time_recovery == true
	not plan.expression(table, ["point_in_time_recovery"]) == null
}

_aws_pitr_unknown(table) if table.unknown.point_in_time_recovery[0].enabled == true

# Unset is off; unknown only because the provider computes it (not in the configuration) too.
_aws_deletion_protection[address] contains entry if {
	some address, table in object.union(_aws_tables, _aws_replicas)
	not _aws_deletion_protection_unknown(table)
	entry := {"verdict": _on_off(object.get(table.after, "deletion_protection_enabled", null)), "evidence": [_aws_deletion_protection_evidence(table)]}
}

_aws_deletion_protection[address] contains entry if {
	some address, table in object.union(_aws_tables, _aws_replicas)
	_aws_deletion_protection_unknown(table)
	entry := {
		"verdict": "unprovable", "cause": "unknown", "attribute": "deletion_protection_enabled",
		"evidence": references.unknown_chain(table, ["deletion_protection_enabled"], "deletion_protection_enabled"),
	}
}

_aws_deletion_protection_unknown(table) if {
	table.unknown.deletion_protection_enabled == true
	not plan.expression(table, ["deletion_protection_enabled"]) == null
}

_aws_deletion_protection_evidence(table) := "deletion_protection_enabled: not set (off)" if {
	table.unknown.deletion_protection_enabled == true
} else := sprintf("deletion_protection_enabled = %v", [object.get(table.after, "deletion_protection_enabled", null)])

_on_off(value) := "on" if value == true

else := "off"

# TTL expires items only when it is on with an attribute to read.
_aws_ttl[address] contains {"verdict": "on"} if {
	some address, table in _aws_tables
	_aws_ttl_on(table)
}

_aws_ttl[address] contains entry if {
	some address, table in _aws_tables
	not table.unknown.ttl == true
	not _aws_ttl_unknown(table)
	not _aws_ttl_on(table)
	entry := {"verdict": "off", "evidence": [sprintf("ttl[0].enabled = %v, ttl[0].attribute_name = %v", [
		object.get(table.after, ["ttl", 0, "enabled"], null),
		object.get(table.after, ["ttl", 0, "attribute_name"], null),
	])]}
}

# Computed by the provider when the configuration has no ttl block: off.
_aws_ttl[address] contains entry if {
	some address, table in _aws_tables
	table.unknown.ttl == true
	plan.config(table)
	plan.expression(table, ["ttl"]) == null
	entry := {"verdict": "off", "cause": "absent", "attribute": "ttl", "evidence": [source.missing_block(table, "ttl")]}
}

# A ttl block the configuration writes but whose whole value is only known after apply.
_aws_ttl[address] contains entry if {
	some address, table in _aws_tables
	table.unknown.ttl == true
	not plan.expression(table, ["ttl"]) == null
	entry := {
		"verdict": "unprovable", "cause": "unknown", "attribute": "ttl",
		"evidence": references.unknown_chain(table, ["ttl"], "ttl"),
	}
}

_aws_ttl[address] contains entry if {
	some address, table in _aws_tables
	some attribute in ["enabled", "attribute_name"]
	table.unknown.ttl[0][attribute] == true
	entry := {
		"verdict": "unprovable", "cause": "unknown", "attribute": concat(".", ["ttl", attribute]),
		"evidence": references.unknown_chain(table, ["ttl", 0, attribute], sprintf("ttl[0].%s", [attribute])),
	}
}

_aws_ttl_on(table) if {
	table.after.ttl[0].enabled == true
	table.after.ttl[0].attribute_name != ""
}

_aws_ttl_unknown(table) if {
	some attribute in ["enabled", "attribute_name"]
	table.unknown.ttl[0][attribute] == true
}

_data_class(resource) := value if {
	value := tags.value(resource, tags.data_class_key)
} else := null
