# METADATA
# title: ddb-guardrails entrypoint
# description: Collects the findings of every rule under ddb_guardrails.rules into one report.
package ddb_guardrails.main

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.changes

# The reference reads only each rule package's violation set: iterating over the packages themselves
# (some guardrail in data.ddb_guardrails.rules) evaluates all of every package, and under opa test
# grew past 20 GB.
# A list, not a set: each rule's findings are a set already, and no two rules share an id, so a set
# would only hash every finding once more (OPA's wasm runtime rehashes a set each time it grows).
findings := [finding |
	# regal ignore:mixed-iteration
	some finding in data.ddb_guardrails.rules[_][_].violation
]

# METADATA
# entrypoint: true
report := {
	"resources": count(plan.resources) + count(changes.deleted),
	"findings": findings,
}
