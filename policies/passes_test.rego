package ddb_guardrails.passes_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.main

test_the_passes_together_report_what_the_report_does if {
	every fixture in ["enc-key-policy", "endpoint-policy-conditions", "fgac-admin-actions", "table-unencrypted", "rec-pitr-deletion", "audit-no-trail"] {
		same_findings(fixtures.plan(fixture))
	}
}

same_findings(plan) if {
	report := main.report with input as plan
	count(report.findings) > 0
	iam := main.iam_report with input as plan
	iam.resources == report.resources
	other := main.other_report with input as plan
	count(iam.findings) + count(other.findings) == count(report.findings)
	{f | some f in array.concat(iam.findings, other.findings)} == {f | some f in report.findings}
	other.resources == report.resources
}
