# METADATA
# title: Findings
# description: >-
#   Builds every finding from the rule's METADATA, so that rules never assemble output objects
#   and the facts about a rule (id, severity, remediation) are written once: a finding names its
#   rule by id, and the rule catalog built from the same METADATA (bundle/rules.json) gives the rest.
package ddb_guardrails.lib.findings

import rego.v1

# A violation of the rule whose metadata chain is given, on the resource at address. Its guardrail,
# severity and remediation are added from the catalog outside the policy: OPA's wasm runtime hashes
# every finding whole each time a rule's set of them grows, and copies them all out as JSON.
violation(chain, address, message, evidence) := {
	"rule": _id(chain),
	"address": address,
	"message": message,
	"evidence": evidence,
}

# The rule could not decide before apply: a finding of its own kind, never a silent pass.
# Its strings, here and in the rules, are built with concat: sprintf is a round trip to JavaScript
# under opa-wasm, and large plans have thousands of these findings.
unprovable(chain, address, message, evidence) := {
	"rule": concat("", [_id(chain), "-UNPROVABLE"]),
	"address": address,
	"message": message,
	"evidence": evidence,
}

_id(chain) := entry.annotations.custom.id if some entry in chain

# A violation with its witness: the concrete request that gets through,
# {"principal", "action", "resource", "context"}, as the IAM policy simulator takes it.
witnessed(chain, address, message, evidence, witness) := object.union(violation(chain, address, message, evidence), {"witness": witness})
