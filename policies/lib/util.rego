# METADATA
# title: Utilities
# description: Small value helpers that several packages of the library need, written once.
package ddb_guardrails.lib.util

import rego.v1

# A value as a list: a single value becomes a list of one (IAM's Action, Resource, Principal…).
as_list(value) := value if is_array(value)

as_list(value) := [value] if not is_array(value)

# An object, or {} for anything else (a plan value that is null or unknown).
object_or_empty(value) := value if is_object(value)

object_or_empty(value) := {} if not is_object(value)

non_empty_string(value) if {
	is_string(value)
	value != ""
}
