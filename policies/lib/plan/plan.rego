# METADATA
# title: Plan model
# description: >-
#   Normalises `terraform show -json` output: the resources that will exist after apply,
#   the configuration block behind each one, and what its expressions reference.
#   Rules read this model, never `resource_changes` directly.
package ddb_guardrails.lib.plan

import rego.v1

import data.ddb_guardrails.lib.util

# Managed resources that will exist after apply: everything but a pure delete.
# `after` holds the known values, `unknown` the `after_unknown` markers of values known only after apply.
resources[address] := resource if {
	some change in input.resource_changes
	change.mode == "managed"
	not _is_delete_only(change.change.actions)
	address := change.address
	module := object.get(change, "module_address", "")
	resource := {
		"address": address,
		"type": change.type,
		"name": change.name,
		"module": module,
		"after": util.object_or_empty(change.change.after),
		"unknown": util.object_or_empty(object.get(change.change, "after_unknown", {})),
		"config_key": config_key(module, change.type, change.name),
	}
}

# Data sources, by address: those read during apply (resource_changes, mode "data", because an
# input is unknown at plan time: `values` partly unknown) and those read at plan time (prior_state,
# root and child modules: `values` fully known). `known` tells the two apart.
data_sources[address] := source if {
	some change in input.resource_changes
	change.mode == "data"
	address := change.address
	module := object.get(change, "module_address", "")
	source := {
		"address": address,
		"type": change.type,
		"name": change.name,
		"module": module,
		"values": util.object_or_empty(change.change.after),
		"unknown": util.object_or_empty(object.get(change.change, "after_unknown", {})),
		"known": false,
		"config_key": config_key(module, concat(".", ["data", change.type]), change.name),
	}
}

data_sources[address] := source if {
	some state_module in _state_modules
	some state in object.get(state_module, "resources", [])
	state.mode == "data"
	address := state.address
	not _deferred_data[address]
	module := object.get(state_module, "address", "")
	source := {
		"address": address,
		"type": state.type,
		"name": state.name,
		"module": module,
		"values": util.object_or_empty(state.values),
		"unknown": {},
		"known": true,
		"config_key": config_key(module, concat(".", ["data", state.type]), state.name),
	}
}

_deferred_data contains change.address if {
	some change in input.resource_changes
	change.mode == "data"
}

# prior_state modules, root and up to four levels of children (like `modules` below).
_state_modules := array.concat(array.concat(_state_level_0, _state_level_1), array.concat(array.concat(_state_level_2, _state_level_3), _state_level_4))

_state_level_0 := [root] if root := input.prior_state.values.root_module

_state_level_0 := [] if not input.prior_state.values.root_module

_state_level_1 := _state_children(_state_level_0)

_state_level_2 := _state_children(_state_level_1)

_state_level_3 := _state_children(_state_level_2)

_state_level_4 := _state_children(_state_level_3)

_state_children(parents) := [child |
	some parent in parents
	some child in object.get(parent, "child_modules", [])
]

# Data sources of one type, by address.
_data_of_type(type) := object.get(_data_by_type, type, {})

_data_by_type[type][address] := source if {
	some address, source in data_sources
	type := source.type
}

# Resources of one type, by address.
# A lookup in an index built once: rules call of_type inside loops, and a scan of every resource per
# call made them quadratic (out of wasm memory at 10,000 resources; docs/benchmarks.md).
of_type(type) := object.get(_by_type, type, {})

_by_type[type][address] := resource if {
	some address, resource in resources
	type := resource.type
}

# Resource instances by the address without the instance key: "aws_kms_key.k" -> {"aws_kms_key.k[0]", ...}.
# An index, so that following a reference does not scan every resource of the plan.
# The base is assembled from the change's own fields rather than parsed out of the address with a
# regular expression: one regex per resource was a large share of evaluation at 50,000 resources.
instances[base] contains address if {
	some address, resource in resources
	base := _base_address(resource.module, resource.type, resource.name)
}

instances[base] contains address if {
	some address, source in data_sources
	base := _base_address(source.module, concat(".", ["data", source.type]), source.name)
}

_base_address("", type, name) := concat(".", [type, name])

_base_address(module, type, name) := concat(".", [module, type, name]) if module != ""

# Module instances by module address without the last instance key, over every module that holds
# a resource: "module.a" -> {"module.a[\"x\"]", "module.a[\"y\"]"}.
module_instances[base] contains module if {
	some module in _module_addresses
	base := without_instance_key(module)
}

_module_addresses contains prefix if {
	some module in {resource.module | some resource in resources}
	segments := module_segments(module)
	count(segments) > 0
	some i in numbers.range(1, count(segments))
	prefix := concat(".", [segment[0] | some j, segment in segments; j < i])
}

without_instance_key(address) := regex.find_all_string_submatch_n(_instance_key_pattern, address, 1)[0][1] if {
	regex.match(_instance_key_pattern, address)
} else := address

_instance_key_pattern := `^(.*)\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]$`

_is_delete_only(actions) if actions == ["delete"]

# "module.a[0].module.b" -> "module.a.module.b": configuration is per module, not per instance.
strip_instance_keys(address) := concat(".", [concat(".", ["module", segment[1]]) |
	some segment in module_segments(address)
])

# The "module.<name>[<key>]" segments of a module address, in order.
module_segments(address) := regex.find_all_string_submatch_n(`module\.([A-Za-z0-9_-]+)(\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?`, address, -1)

# concat, not sprintf: under opa-wasm sprintf is a JavaScript builtin, and these run once per resource.
config_key("", type, name) := concat(".", [type, name])

config_key(module, type, name) := concat(".", [_config_path(module), type, name]) if module != ""

# Once per module instance, not once per resource: modules hold many resources.
_config_path(module) := path if {
	path := _config_paths[module]
} else := strip_instance_keys(module)

_config_paths[module] := strip_instance_keys(module) if {
	some module in {object.get(change, "module_address", "") | some change in input.resource_changes}
}

# Configuration modules by path ("" for the root), up to four levels of module nesting.
# Deeper resources have no configuration in the model; rules that need it report them as unprovable.
modules := object.union(object.union(object.union({"": input.configuration.root_module}, _level_1), _level_2), object.union(_level_3, _level_4))

_level_1 := _children({"": input.configuration.root_module})

_level_2 := _children(_level_1)

_level_3 := _children(_level_2)

_level_4 := _children(_level_3)

_children(parents) := {_child_path(path, name): call.module |
	some path, parent in parents
	some name, call in object.get(parent, "module_calls", {})
}

# Module calls by the path of the module they create, e.g. "module.a.module.b".
module_calls[path] := call if {
	some parent_path, parent in modules
	some name, call in object.get(parent, "module_calls", {})
	path := _child_path(parent_path, name)
}

_child_path("", name) := concat(".", ["module", name])

_child_path(parent, name) := concat(".", [parent, "module", name]) if parent != ""

# Configuration blocks by config key ("module.a.aws_kms_key.k").
configs[key] := config if {
	some path, module in modules
	some config in object.get(module, "resources", [])
	key := _module_relative(path, config.address)
}

_module_relative("", address) := address

_module_relative(path, address) := concat(".", [path, address]) if path != ""

# The configuration of a resource, or undefined when the plan does not carry it.
config(resource) := configs[resource.config_key]

# The expression behind an attribute path of a resource, e.g. ["server_side_encryption", 0, "kms_key_arn"].
# Null when the attribute is not in the configuration, or the plan has no configuration for it.
# A for_each resource's attribute that the source model evaluated for this instance (each.* bound)
# is more precise than the configuration's expression over every instance.
# Inside blocks and maps, the source model keys its expression by the path
# ("event_selector.0.data_resource.0.values", "parameters.KeyArn").
expression(resource, path) := _configured_expression(resource, path) if {
	not input.source
} else := object.get(input, ["source", "attributes", resource.address, path[0]], null) if {
	count(path) == 1
	object.get(input, ["source", "attributes", resource.address, path[0]], null) != null
} else := found if {
	count(path) > 1
	found := input.source.attributes[resource.address][_path_key(path)]
} else := _configured_expression(resource, path)

_configured_expression(resource, path) := object.get(object.get(configs, resource.config_key, {}), array.concat(["expressions"], path), null)

_path_key(path) := concat(".", [_step_text(step) | some step in path])

_step_text(step) := step if is_string(step)

_step_text(step) := format_int(step, 10) if is_number(step)
