# METADATA
# title: KMS keys
# description: >-
#   Judges a key attribute (a table's kms_key_arn, a bucket's kms_master_key_id…) from its known
#   value or, when it is unknown at plan time, from what its expression references; and records
#   which keys of the plan protect the data the guardrails cover, for the rotation rule.
package ddb_guardrails.lib.kms

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.lib.params
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

# Key resources that are customer-managed by construction.
_customer_key_types := {"aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key", "aws_kms_replica_external_key", "aws_kms_alias"}

# Verdicts on one key attribute of a resource: a set of
#   {"verdict": "customer" | "aws_managed" | "not_allowed" | "unprovable", "evidence": s, "key": address?}
# `label` names the attribute in evidence ("server_side_encryption[0].kms_key_arn"), `value` and
# `unknown` are its planned value and after_unknown marker, `expression` its configuration.
verdicts(_, label, value, _, _) := {literal_verdict(label, value)} if {
	is_string(value)
	value != ""
}

# Known but empty or null: the service falls back to its AWS-managed key.
verdicts(_, label, value, unknown, _) := {{"verdict": "aws_managed", "evidence": concat("", [label, ": not set (AWS-managed key)"])}} if {
	not util.non_empty_string(value)
	unknown != true
}

# Unknown: judged by what the configuration's expression references, resolved once.
verdicts(resource, label, _, true, expression) := _referenced_verdicts(label, references.sources_of(resource, expression)) if {
	plan.config(resource)
}

# No configuration for the resource (deeper than the model reads): nothing to follow.
verdicts(resource, label, _, true, _) := {{
	"verdict": "unprovable",
	"evidence": sprintf("%s: known after apply, and the plan carries no configuration for %s", [label, resource.address]),
}} if {
	not plan.config(resource)
}

# Unknown and not set in the configuration: computed by the provider, i.e. the AWS-managed key.
_referenced_verdicts(label, sources) := {{"verdict": "aws_managed", "evidence": concat("", [label, ": not set (AWS-managed key)"])}} if {
	count(sources) == 0
} else := {source_verdict(label, source) | some source in sources}

# Evidence strings are built with concat: sprintf is a round trip to JavaScript under opa-wasm,
# and every table's key is judged.
literal_verdict(label, arn) := {"verdict": "aws_managed", "evidence": concat("", [label, " = \"", arn, "\""])} if {
	aws_managed(arn)
} else := {"verdict": "not_allowed", "evidence": concat("", [label, " = \"", arn, "\" (not in allowed_key_arns)"])} if {
	not _allowed_literal(arn)
} else := {"verdict": "customer", "evidence": concat("", [label, " = \"", arn, "\" (existing key)"])}

source_verdict(label, source) := {"verdict": "customer", "evidence": _chain(label, source), "key": source.address} if {
	source.kind == "resource"
	plan.resources[source.address].type in _customer_key_types
} else := literal_verdict(label, source.value) if {
	source.kind == "constant"
	util.non_empty_string(source.value)
} else := {"verdict": "aws_managed", "evidence": concat("", [_chain(label, source), " (AWS-managed key)"])} if {
	source.kind == "constant"
	source.value in {null, ""}
} else := literal_verdict(label, _data_source_key_name(source)) if {
	source.kind == "data"
	_data_source_key_name(source)
} else := {"verdict": "unprovable", "evidence": _chain(label, source)}

_chain(label, source) := concat(" <- ", [label, references.describe(source)])

# AWS-managed keys are named by their alias (alias/aws/<service>); "" means the service default.
aws_managed(arn) if contains(arn, "alias/aws/")

aws_managed("")

# Literal keys outside the plan: any customer key, unless the project lists the accepted ones
# (exact ARNs, or globs where * stays within one ARN field) in the allowed_key_arns parameter.
_allowed_literal(_) if count(params.effective.allowed_key_arns) == 0

_allowed_literal(arn) if {
	some pattern in params.effective.allowed_key_arns
	glob.match(pattern, [":"], arn)
}

# The key id or alias name a KMS data source looks up, when written as a literal.
_data_source_key_name(source) := name if {
	source.type in {"aws_kms_alias", "aws_kms_key"}
	config := plan.configs[plan.without_instance_key(_trim_module_instances(source.address))]
	some attribute in ["name", "key_id"]
	name := config.expressions[attribute].constant_value
}

_trim_module_instances(address) := address if not startswith(address, "module.")

_trim_module_instances(address) := concat(".", [plan.strip_instance_keys(module), rest]) if {
	parts := regex.find_all_string_submatch_n(`^((?:module\.[A-Za-z0-9_-]+(?:\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?\.)+)(.*)$`, address, 1)[0]
	module := trim_suffix(parts[1], ".")
	rest := parts[2]
}

# Keys of the plan that protect guarded data, with who uses them: key address -> set of evidence.
# Users register here (tables, replicas, guardrail buckets, trails); aliases and replica keys
# lead to the key whose rotation matters.
used_keys[key] contains evidence if {
	some use in key_uses
	some key in rotation_subjects(use.verdict.key)
	evidence := concat("", ["used by ", use.address, ": ", use.verdict.evidence])
}

key_uses contains {"address": address, "verdict": verdict} if {
	some address, table in plan.of_type("aws_dynamodb_table")
	some verdict in table_key_verdicts(table)
	verdict.key
}

key_uses contains {"address": address, "verdict": verdict} if {
	some address, table in plan.of_type("aws_dynamodb_table")
	some i, _ in object.get(table.after, "replica", [])
	some verdict in replica_block_verdicts(table, i)
	verdict.key
}

key_uses contains {"address": address, "verdict": verdict} if {
	some address, replica in plan.of_type("aws_dynamodb_table_replica")
	some verdict in replica_resource_verdicts(replica)
	verdict.key
}

key_uses contains {"address": address, "verdict": verdict} if {
	some address, config in plan.of_type("aws_s3_bucket_server_side_encryption_configuration")
	some verdict in bucket_encryption_verdicts(config)
	verdict.key
}

key_uses contains {"address": address, "verdict": verdict} if {
	some address, trail in plan.of_type("aws_cloudtrail")
	some verdict in verdicts(
		trail,
		"kms_key_id",
		object.get(trail.after, "kms_key_id", null),
		object.get(trail.unknown, "kms_key_id", false),
		plan.expression(trail, ["kms_key_id"]),
	)
	verdict.key
}

# The aws_kms_key(s) whose rotation setting governs a key of the plan.
rotation_subjects(key) := {key} if plan.resources[key].type == "aws_kms_key"

rotation_subjects(key) := {source.address |
	some source in references.sources(plan.resources[key], ["target_key_id"])
	source.kind == "resource"
	plan.resources[source.address].type == "aws_kms_key"
} if {
	plan.resources[key].type == "aws_kms_alias"
}

# A replica key inherits rotation from its multi-Region primary.
rotation_subjects(key) := {source.address |
	some source in references.sources(plan.resources[key], ["primary_key_arn"])
	source.kind == "resource"
	plan.resources[source.address].type == "aws_kms_key"
} if {
	plan.resources[key].type == "aws_kms_replica_key"
}

# Imported key material cannot be rotated by KMS: not a rotation subject.
rotation_subjects(key) := set() if plan.resources[key].type in {"aws_kms_external_key", "aws_kms_replica_external_key"}

# The verdicts of the places that hold a key, shared by the encryption rules and used_keys.
_table_key_path := ["server_side_encryption", 0, "kms_key_arn"]

table_key_verdicts(table) := verdicts(
	table,
	"server_side_encryption[0].kms_key_arn",
	object.get(table.after, _table_key_path, null),
	object.get(table.unknown, _table_key_path, false),
	plan.expression(table, _table_key_path),
) if {
	table.after.server_side_encryption[0].enabled == true
}

# Replica blocks are a set: the plan's order need not match the configuration's, so the block
# is found by its region.
replica_block_verdicts(table, i) := verdicts(
	table,
	concat("", ["replica[region_name = ", region, "].kms_key_arn"]),
	object.get(table.after.replica[i], "kms_key_arn", null),
	object.get(table.unknown, ["replica", i, "kms_key_arn"], false),
	_replica_block_expression(table, region, "kms_key_arn"),
) if {
	region := table.after.replica[i].region_name
	_replica_block_config(table, region)
}

replica_block_verdicts(table, i) := {{
	"verdict": "unprovable",
	"evidence": sprintf(
		"replica[%d]: no replica block for region %v in the configuration (a dynamic block or a computed region)",
		[i, object.get(table.after.replica[i], "region_name", "(known after apply)")],
	),
}} if {
	not _replica_block_config(table, object.get(table.after.replica[i], "region_name", null))
}

_replica_block_config(table, region) := block if {
	some block in object.get(plan.config(table).expressions, "replica", [])
	block.region_name.constant_value == region
}

# A `dynamic "replica"` block is not in the plan's configuration: the blocks the source model
# generated from its for_each stand in for it.
_replica_block_config(table, region) := block if {
	not plan.config(table).expressions.replica
	some block in object.get(input, ["source", "blocks", table.config_key, "replica"], [])
	block.region_name.constant_value == region
}

_replica_block_expression(table, region, attribute) := object.get(_replica_block_config(table, region), attribute, null)

replica_resource_verdicts(replica) := verdicts(
	replica,
	"kms_key_arn",
	object.get(replica.after, "kms_key_arn", null),
	object.get(replica.unknown, "kms_key_arn", false),
	plan.expression(replica, ["kms_key_arn"]),
)

_bucket_default_path := ["rule", 0, "apply_server_side_encryption_by_default", 0]

bucket_encryption_verdicts(config) := verdicts(
	config,
	"rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id",
	object.get(config.after, array.concat(_bucket_default_path, ["kms_master_key_id"]), null),
	object.get(config.unknown, array.concat(_bucket_default_path, ["kms_master_key_id"]), false),
	plan.expression(config, array.concat(_bucket_default_path, ["kms_master_key_id"])),
)
