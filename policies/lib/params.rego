# METADATA
# title: Parameters
# description: >-
#   Rule parameters with their defaults; a project config (passed as data.ddb_guardrails_config)
#   overrides them key by key.
package ddb_guardrails.lib.params

import rego.v1

defaults := {
	# KMS key ARNs outside the plan that are accepted as customer-managed.
	"allowed_key_arns": [],
}

params := object.union(defaults, configured)

default configured := {}

configured := data.ddb_guardrails_config.parameters
