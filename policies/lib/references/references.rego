# METADATA
# title: References
# description: >-
#   Follows configuration expressions to what they point at, so that rules can judge a value
#   that is unknown at plan time because it comes from a resource created in the same plan.
package ddb_guardrails.lib.references

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.source as located

# What an expression of a resource resolves to: a set of sources, each one of
#   {"kind": "constant", "value": v}
#   {"kind": "resource", "address": a}          a managed resource of the plan
#   {"kind": "data", "type": t, "address": a}   a data source (its values may be unknown)
#   {"kind": "unresolved", "reference": r}      something the plan does not carry (local, module output…)
# Module variables (up) and module outputs (down) are followed for up to five hops in all;
# `each.key`/`each.value` resolve to the references of the enclosing for_each expression.
sources(resource, path) := _without_attributes(attributed_sources(resource, path))

# The same for an expression already in hand (e.g. one element of a block list).
sources_of(resource, expression) := _without_attributes(attributed_sources_of(resource, expression))

# The same, where a resource source also says which of its attributes the expression reads:
#   {"kind": "resource", "address": a, "attributes": {"arn"}}
# ("arn" for aws_kms_key.k.arn; empty when the whole object is read, e.g. [for k in aws_kms_key.k : k.arn]).
# A resource value known only after apply is judged by it (lib/iam statements.rego, other_service_arn).
attributed_sources(resource, path) := attributed_sources_of(resource, plan.expression(resource, path)) if plan.config(resource)

# No configuration for the resource (deeper module nesting than the model reads): nothing to follow.
attributed_sources(resource, _) := {{"kind": "unresolved", "reference": sprintf("%s (no configuration in the plan)", [resource.address])}} if {
	not plan.config(resource)
}

attributed_sources_of(resource, expression) := _resolved(_direct(resource.module, expression, _for_each_of(resource)))

# Most expressions settle at once (constants, resources): only the others take the hops.
_resolved(found) := found if {
	not _pending(found)
} else := _settled(_hop(_hop(_hop(_hop(_hop(found))))))

_pending(found) if {
	some source in found
	source.kind in _pending_kinds
}

_without_attributes(found) := {object.remove(source, ["attributes"]) | some source in found}

# The for_each expression of a resource's configuration, or null.
_for_each_of(resource) := object.get(object.get(plan.configs, resource.config_key, {}), "for_each_expression", null)

# A variable or output not settled after five hops is unresolved.
_settled(found) := {source |
	some candidate in found
	source := _unresolved_if_pending(candidate)
}

_unresolved_if_pending(source) := source if not source.kind in _pending_kinds

_unresolved_if_pending(source) := {"kind": "unresolved", "reference": _qualified(source.module, sprintf("var.%s", [source.name]))} if {
	source.kind == "variable"
}

_unresolved_if_pending(source) := {"kind": "unresolved", "reference": sprintf("%s.%s", [source.module, source.name])} if {
	source.kind == "output"
}

_unresolved_if_pending(source) := {"kind": "unresolved", "reference": _qualified(source.module, "each.value")} if {
	source.kind == "each"
}

_unresolved_if_pending(source) := {"kind": "unresolved", "reference": _qualified(source.module, concat(".", ["local", source.name]))} if {
	source.kind == "local"
}

_pending_kinds := {"variable", "output", "each", "local"}

_hop(found) := {source |
	some candidate in found
	some source in _follow(candidate)
}

_follow(source) := {source} if not source.kind in _pending_kinds

_follow(source) := _variable_sources(source.module, source.name) if source.kind == "variable"

_follow(source) := _output_sources(source.module, source.name) if source.kind == "output"

_follow(source) := _direct(source.module, source.scope, null) if source.kind == "each"

_follow(source) := _direct(source.module, _source_local(source.module, source.name), null) if source.kind == "local"

# `each_scope` is the for_each expression that `each.*` refers to where the expression sits.
# A resource instance the plan does not create is not a candidate: Terraform fails on an index
# into it (even in the result of a conditional it does not choose), so a plan that succeeded took
# the value elsewhere (try() moved past it, a splat over it was empty). When every reference of an
# expression is such an instance, the value is a literal of the expression, which the plan's
# configuration does not record: unresolved.
_direct(module, expression, each_scope) := _present(_candidates(module, expression, each_scope))

_present(found) := found if {
	not _absent(found)
} else := {source | some source in found; source.kind != "absent"} if {
	some source in found
	source.kind != "absent"
} else := {object.union(source, {"kind": "unresolved"}) | some source in found}

_absent(found) if {
	some source in found
	source.kind == "absent"
}

_candidates(_, expression, _) := {{"kind": "constant", "value": expression.constant_value}} if {
	is_object(expression)
	_literal(expression)
	not _from_source(expression)
}

_candidates(module, expression, each_scope) := {_with_attributes(source, expression) |
	some reference in _referenced_objects(expression)
	some source in _reference_sources(module, reference, each_scope)
} if {
	is_object(expression)
	not _literal(expression)
	not _from_source(expression)
}

# An attribute with no expression at all is unset in configuration.
_candidates(_, null, _) := set()

# An expression the source model evaluated (input.source): its references sit in the module
# instance it names, one of several values is any_of, and every source it yields says where in
# the source it came from.
_candidates(_, expression, _) := {_with_location(source, expression.source_location) |
	some source in _source_direct(expression)
} if {
	_from_source(expression)
}

_from_source(expression) if {
	is_object(expression)
	is_string(expression.source_location)
}

_source_direct(expression) := _source_leaf(expression) if not expression.any_of

# one of several values (a condition not known before apply): any of them (the source model
# flattens nested choices, so an option is a constant or references).
_source_direct(expression) := {source |
	some option in expression.any_of
	some source in _source_leaf(option)
} if {
	is_array(expression.any_of)
}

_source_leaf(expression) := {{"kind": "constant", "value": expression.constant_value}} if has_key(expression, "constant_value")

# A policy document the source model read from jsonencode(): its JSON, with the parts known only
# after apply marked (lib/iam/jsonencode.rego reads it).
_source_leaf(expression) := {{"kind": "document", "value": expression.json_document}} if has_key(expression, "json_document")

_source_leaf(expression) := {_with_attributes(source, expression) |
	some reference in expression.references
	some source in _reference_sources(expression.module, _object_of(reference), null)
} if {
	is_array(expression.references)
}

_with_location(source, _) := source if source.source_location

_with_location(source, location) := object.union(source, {"source_location": location}) if not source.source_location

_literal(expression) if {
	has_key(expression, "constant_value")
	not _json_template(expression)
}

# JSON-syntax configuration (*.tf.json, e.g. CDKTF output) reports a template such as
# "${aws_kms_key.k.arn}" as a constant string next to its references: it is a reference.
_json_template(expression) if {
	is_string(expression.constant_value)
	contains(expression.constant_value, "${")
	count(object.get(expression, "references", [])) > 0
}

# The same for a list of templates, e.g. subnet_ids = ["${aws_subnet.a.id}", "${aws_subnet.b.id}"].
_json_template(expression) if {
	is_array(expression.constant_value)
	count(object.get(expression, "references", [])) > 0
	some element in expression.constant_value
	is_string(element)
	contains(element, "${")
}

# Terraform lists both "aws_kms_key.k.arn" and "aws_kms_key.k", and both "module.m.out" and
# "module.m"; keep the object (or module output) references only. count.index, each.key, path.*
# and terraform.* are always known: they select instances but never carry a value to judge.
_referenced_objects(expression) := {_object_of(reference) |
	some reference in object.get(expression, "references", [])
	not _bare_module(reference, expression)
	not _always_known(reference)
}

# The engine gives each reference's object in input.reference_objects (src/engine/input/reference-objects.ts,
# the same expressions): a lookup instead of a regular expression per reference per rule.
_object_of(reference) := named if {
	named := input.reference_objects[reference]
} else := regex.find_all_string_submatch_n(`^module\.[A-Za-z0-9_-]+(\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?(\.[A-Za-z0-9_-]+)?`, reference, 1)[0][0] if {
	startswith(reference, "module.")
} else := regex.find_all_string_submatch_n(`^(data\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?`, reference, 1)[0][0]

# A resource source with the attributes the expression reads of that resource, any instance
# (Terraform lists "aws_kms_key.k[0].arn", "aws_kms_key.k[0]" and "aws_kms_key.k" for one reference).
_with_attributes(source, expression) := object.union(source, {"attributes": {parts[2] |
	base := _resource_base(source.address)
	some reference in expression.references
	startswith(reference, base)
	reference != base
	parts := regex.find_all_string_submatch_n(_attribute_pattern, reference, 1)[0]
	parts[1] == base
}}) if {
	source.kind == "resource"
} else := source

_attribute_pattern := `^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(?:\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?\.([A-Za-z0-9_-]+)`

# "module.m[0].aws_kms_key.k[\"a\"]" -> "aws_kms_key.k": from the plan's resource when it is one.
_resource_base(address) := concat(".", [resource.type, resource.name]) if {
	resource := plan.resources[address]
} else := regex.find_all_string_submatch_n(`([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(?:\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?$`, address, 1)[0][1]

# "module.m" next to "module.m.out": the bare module reference adds nothing.
_bare_module(reference, expression) if {
	startswith(reference, "module.") # before the regular expression, which every reference would meet
	regex.match(`^module\.[A-Za-z0-9_-]+$`, reference)
	some other in expression.references
	startswith(other, concat("", [reference, "."]))
}

# startswith rather than split: every reference of every expression is tested.
_always_known(reference) if startswith(reference, "count.")

_always_known(reference) if startswith(reference, "path.")

_always_known(reference) if startswith(reference, "terraform.")

_always_known(reference) if reference in {"count", "path", "terraform", "each.key"}

_pseudo_prefixes := {"var", "local", "module", "each", "count", "path", "self", "terraform"}

# What one reference names, by its first word: each reference is classified once (a split, a regular
# expression only for module outputs), since every expression of every rule comes through here.
_reference_sources(module, reference, each_scope) := _pseudo_sources(module, reference, each_scope) if {
	split(reference, ".")[0] in _pseudo_prefixes
} else := {{"kind": "data", "type": split(reference, ".")[1], "address": address} |
	some address in _data_instances(_qualified(module, reference))
} if {
	startswith(reference, "data.")
} else := _resource_sources(_qualified(module, reference), module, reference)

_resource_sources(qualified, module, reference) := {{"kind": "resource", "address": address} | some address in instances} if {
	instances := _resource_instances(qualified)
	count(instances) > 0
} else := {{"kind": "absent", "reference": qualified}} if {
	# A resource the configuration declares, without the instance referenced (count or for_each
	# left it out): see direct.
	_declared(module, reference)
} else := {{"kind": "unresolved", "reference": qualified}}

_pseudo_sources(module, reference, each_scope) := {{"kind": "variable", "module": module, "name": split(reference, ".")[1]}} if {
	startswith(reference, "var.")
} else := _module_output_sources(module, reference) if {
	startswith(reference, "module.")
} else := {{"kind": "each", "module": module, "scope": each_scope}} if {
	# each.value: what the enclosing for_each expression references (a superset when the for_each
	# mixes instances; literals in it are known values, so an unknown value never comes from them).
	startswith(reference, "each.")
	each_scope != null
} else := {{"kind": "local", "module": module, "name": split(reference, ".")[1]}} if {
	# local.<name>: its expression from the source model, when the source is at hand.
	startswith(reference, "local.")
	_source_local(module, split(reference, ".")[1])
} else := {{"kind": "unresolved", "reference": _qualified(module, reference)}} if {
	_unresolvable(reference)
} else := set()

# module.<call>.<output>: followed into every instance of the called module.
_module_output_sources(module, reference) := {{"kind": "output", "module": instance, "name": parts[2]} |
	some instance in _called_instances(_qualified(module, parts[1]))
} if {
	parts := regex.find_all_string_submatch_n(_module_output_pattern, reference, 1)[0]
} else := {{"kind": "unresolved", "reference": _qualified(module, reference)}}

_module_output_pattern := `^(module\.[A-Za-z0-9_-]+(?:\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])?)\.([A-Za-z0-9_-]+)$`

# self.*, a local without the source model, each.* outside a for_each.
_unresolvable(reference) if split(reference, ".")[0] == "self"

_unresolvable(reference) if startswith(reference, "local.")

_unresolvable(reference) if startswith(reference, "each.")

# The configuration of the module declares the resource ("aws_kms_key.this[0]" -> aws_kms_key.this).
_declared(module, reference) if {
	base := regex.find_all_string_submatch_n(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`, reference, 1)[0][0]
	plan.configs[_qualified(plan.strip_instance_keys(module), base)]
}

# The expression of a local of a module instance, from the source model (input.source).
_source_local(module, name) := input.source.locals[plan.strip_instance_keys(module)][name]

# A resource address with its instance key ("aws_kms_key.k[0]") is itself; without one, every instance.
_resource_instances(reference) := {reference} if {
	plan.resources[reference]
} else := object.get(plan.instances, reference, set())

# Every instance of a data source (read during apply or at plan time); the bare address when the
# data source is not in the plan at all, so that the rule still names what it looked for.
_data_instances(reference) := {reference} if {
	plan.data_sources[reference]
} else := plan.instances[reference] if {
	plan.instances[reference]
} else := {reference}

# The instances of a module call ("module.m" -> module.m, or module.m[0], module.m["k"]…).
_called_instances(base) := object.get(plan.module_instances, base, {base})

_qualified("", reference) := reference

_qualified(module, reference) := concat(".", [module, reference]) if module != ""

# A root variable resolves to its value in the plan.
_variable_sources("", name) := {{"kind": "constant", "value": input.variables[name].value}}

_variable_sources("", name) := {{"kind": "unresolved", "reference": sprintf("var.%s", [name])}} if {
	not input.variables[name]
}

# A child module's variable resolves through the module call's argument, one module up
# (`each.*` there refers to the module call's own for_each).
_variable_sources(module, name) := _direct(_parent_instance(module), _call_argument(module, name), _call_for_each(module)) if {
	module != ""
	_call_argument(module, name) != null
}

# Not passed by the module call: the variable's default, if the configuration records one.
_variable_sources(module, name) := {{"kind": "constant", "value": default_value} |
	some default_value in _variable_default(module, name)
} if {
	module != ""
	_call_argument(module, name) == null
}

_variable_default(module, name) := {value | value := plan.modules[plan.strip_instance_keys(module)].variables[name]["default"]}

_call_argument(module, name) := object.get(plan.module_calls[plan.strip_instance_keys(module)], ["expressions", name], null)

_call_for_each(module) := object.get(plan.module_calls[plan.strip_instance_keys(module)], "for_each_expression", null)

# A module output resolves to its expression inside the module instance: as the source model
# evaluated it for that instance (try(), coalesce() and conditionals settled), else as the plan's
# configuration records it for every instance.
_output_sources(module, name) := _direct(module, input.source.outputs[module][name], null) if {
	input.source.outputs[module][name]
} else := _direct(module, _output_expression(module, name), null)

_output_expression(module, name) := object.get(plan.modules, [plan.strip_instance_keys(module), "outputs", name, "expression"], null)

# "module.a[0].module.b" -> "module.a[0]"
_parent_instance(module) := concat(".", [segment[0] |
	segments := plan.module_segments(module)
	some i, segment in segments
	i < count(segments) - 1
])

# object.keys is not among the builtins opa-wasm implements.
# regal ignore:custom-has-key-construct
has_key(obj, key) if _ = obj[key]

# Human-readable form of a source, for evidence strings.
# concat rather than sprintf: sprintf is a round trip to JavaScript under opa-wasm.
describe(source) := located.text(_described(source), source)

_described(source) := concat("", [source.address, " (created in this plan)"]) if source.kind == "resource"

_described(source) := concat("", [source.address, " (data source)"]) if source.kind == "data"

_described(source) := json.marshal(source.value) if source.kind == "constant"

_described(source) := concat("", [source.reference, " (not resolvable from the plan)"]) if source.kind == "unresolved"

# Evidence for a value known only after apply: "<label>: (known after apply) <- <source>", one per
# source its expression references, or without a chain when it references nothing the plan holds.
unknown_chain(resource, path, label) := chain if {
	chain := sort({sprintf("%s: (known after apply) <- %s", [label, describe(source)]) |
		some source in sources(resource, path)
	})
	count(chain) > 0
} else := [sprintf("%s: (known after apply)", [label])]
