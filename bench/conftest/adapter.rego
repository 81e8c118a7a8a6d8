# Lets conftest run the guardrails unchanged: conftest collects `deny` of the namespace it is given.
# One denial per finding, its message "<rule> <address>" so the benchmark can compare findings.
package ddb_guardrails.conftest

import rego.v1

deny contains msg if {
	some finding in data.ddb_guardrails.main.findings
	msg := concat(" ", [finding.rule, finding.address])
}
