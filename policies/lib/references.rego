# METADATA
# title: References
# description: >-
#   Follows configuration expressions to what they point at, so that rules can judge a value
#   that is unknown at plan time because it comes from a resource created in the same plan.
package ddb_guardrails.lib.references

import rego.v1

import data.ddb_guardrails.lib.plan

# What an expression of a resource resolves to: a set of sources, each one of
#   {"kind": "constant", "value": v}
#   {"kind": "resource", "address": a}          a managed resource of the plan
#   {"kind": "data", "type": t, "address": a}   a data source (its values may be unknown)
#   {"kind": "unresolved", "reference": r}      something the plan does not carry (local, module output…)
# Module variables are followed up to three modules up.
sources(resource, path) := settled(hop(hop(hop(direct(resource.module, plan.expression(resource, path))))))

# A variable not settled after three hops is unresolved.
settled(found) := {source |
	some candidate in found
	source := unresolved_if_variable(candidate)
}

unresolved_if_variable(source) := source if source.kind != "variable"

unresolved_if_variable(source) := {"kind": "unresolved", "reference": qualified(source.module, sprintf("var.%s", [source.name]))} if {
	source.kind == "variable"
}

hop(found) := {source |
	some candidate in found
	some source in follow(candidate)
}

follow(source) := {source} if source.kind != "variable"

follow(source) := variable_sources(source.module, source.name) if source.kind == "variable"

direct(_, expression) := {{"kind": "constant", "value": expression.constant_value}} if {
	is_object(expression)
	has_key(expression, "constant_value")
}

direct(module, expression) := {source |
	some reference in referenced_objects(expression)
	some source in reference_sources(module, reference)
} if {
	is_object(expression)
	not has_key(expression, "constant_value")
}

# An attribute with no expression at all is unset in configuration.
direct(_, null) := set()

# Terraform lists both "aws_kms_key.k.arn" and "aws_kms_key.k"; keep the object references only.
referenced_objects(expression) := {object_of(reference) | some reference in object.get(expression, "references", [])}

object_of(reference) := regex.find_all_string_submatch_n(`^(data\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`, reference, 1)[0][0]

pseudo_prefixes := {"var", "local", "module", "each", "count", "path", "self", "terraform"}

reference_sources(module, reference) := {{"kind": "resource", "address": address} |
	some address in instances(module, reference)
} if {
	not split(reference, ".")[0] in pseudo_prefixes
	not startswith(reference, "data.")
	count(instances(module, reference)) > 0
}

reference_sources(module, reference) := {{"kind": "data", "type": split(reference, ".")[1], "address": qualified(module, reference)}} if {
	startswith(reference, "data.")
}

reference_sources(module, reference) := {{"kind": "variable", "module": module, "name": split(reference, ".")[1]}} if {
	startswith(reference, "var.")
}

reference_sources(module, reference) := {{"kind": "unresolved", "reference": qualified(module, reference)}} if {
	not startswith(reference, "data.")
	not startswith(reference, "var.")
	count(instances(module, reference)) == 0
}

# Every planned instance of a referenced resource within the same module instance.
instances(module, reference) := {address |
	base := qualified(module, reference)
	some address, _ in plan.resources
	is_instance_of(address, base)
}

is_instance_of(address, base) if address == base

is_instance_of(address, base) if startswith(address, concat("", [base, "["]))

qualified("", reference) := reference

qualified(module, reference) := sprintf("%s.%s", [module, reference]) if module != ""

# A root variable resolves to its value in the plan.
variable_sources("", name) := {{"kind": "constant", "value": input.variables[name].value}}

variable_sources("", name) := {{"kind": "unresolved", "reference": sprintf("var.%s", [name])}} if {
	not input.variables[name]
}

# A child module's variable resolves through the module call's argument, one module up.
variable_sources(module, name) := direct(parent_instance(module), call_argument(module, name)) if {
	module != ""
}

call_argument(module, name) := object.get(plan.module_calls[plan.strip_instance_keys(module)], ["expressions", name], null)

# "module.a[0].module.b" -> "module.a[0]"
parent_instance(module) := concat(".", [segment[0] |
	segments := plan.module_segments(module)
	some i, segment in segments
	i < count(segments) - 1
])

has_key(object, key) if _ = object[key]
