# METADATA
# title: Findings
# description: >-
#   Builds every finding from the rule's METADATA, so that rules never assemble output objects
#   and the facts about a rule (id, severity, remediation) are written once.
package ddb_guardrails.lib.findings

import rego.v1

# A violation of the rule whose metadata chain is given, on the resource at address.
violation(chain, address, message, evidence) := {
	"rule": meta.id,
	"guardrail": meta.guardrail,
	"severity": meta.severity,
	"address": address,
	"message": message,
	"remediation": meta.remediation,
	"evidence": evidence,
} if {
	meta := _custom(chain)
}

# The rule could not decide before apply: a finding of its own kind, never a silent pass.
# Its strings, here and in the rules, are built with concat: sprintf is a round trip to JavaScript
# under opa-wasm, and large plans have thousands of these findings.
unprovable(chain, address, message, evidence) := {
	"rule": concat("", [meta.id, "-UNPROVABLE"]),
	"guardrail": meta.guardrail,
	"severity": meta.severity,
	"address": address,
	"message": message,
	"remediation": "Make the value known at plan time (a literal, or a resource of the same configuration), or waive this finding with a reason.",
	"evidence": evidence,
} if {
	meta := _custom(chain)
}

_custom(chain) := object.union(entry.annotations.custom, {"title": object.get(entry.annotations, "title", "")}) if {
	some entry in chain
	entry.annotations.custom.id
}

# A violation with its witness: the concrete request that gets through,
# {"principal", "action", "resource", "context"}, as the IAM policy simulator takes it.
witnessed(chain, address, message, evidence, witness) := object.union(violation(chain, address, message, evidence), {"witness": witness})
