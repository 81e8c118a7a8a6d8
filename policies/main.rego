# METADATA
# title: ddb-guardrails entrypoint
# description: Collects the findings of every rule under ddb_guardrails.rules into one report.
package ddb_guardrails.main

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.changes

findings contains finding if {
	some finding in data.ddb_guardrails.rules[_][_].violation
}

# METADATA
# entrypoint: true
report := {
	"resources": count(plan.resources) + count(changes.deleted),
	"findings": findings,
}
