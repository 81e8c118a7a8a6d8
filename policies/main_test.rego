package ddb_guardrails.main_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.main

test_the_compliant_session_stack_has_no_findings_from_any_rule if {
	report := main.report with input as fixtures.plan("model-compliant-stack")
	report.findings == set()
	report.resources == 32
}

test_the_report_collects_findings_of_every_guardrail if {
	guardrails := {f.guardrail |
		some fixture in ["enc-dax", "rec-pitr-deletion", "audit-no-trail"]
		some f in findings_of(fixture)
	}
	guardrails == {"encryption", "recovery", "audit"}
}

findings_of(fixture) := found if {
	found := main.report.findings with input as fixtures.plan(fixture)
}
