# METADATA
# title: Source model
# description: >-
#   What the Terraform source behind a plan adds (input.source, present only when the source is
#   at hand): which dynamic blocks a resource declares, for evidence that says what was missing.
package ddb_guardrails.lib.plan.source

import rego.v1

# Evidence for a block the plan's configuration lacks: with the source, whether it is written as a
# dynamic block; without it, that the plan cannot tell an absent block from a dynamic one.
missing_block(resource, block) := concat("", [block, ": no block in the configuration or the source"]) if {
	input.source
	not block in object.get(input.source, ["dynamic", resource.config_key], [])
} else := concat("", [block, ": written as a dynamic block whose content is not known before apply"]) if {
	input.source
} else := concat("", [block, ": no block in the plan's configuration (the plan leaves dynamic blocks out)"])

# A text about a value, with where the Terraform source gave it: "<text> (from source <file>:<line>)".
text(description, value) := concat("", [description, " (from source ", value.source_location, ")"]) if {
	value.source_location
} else := description
