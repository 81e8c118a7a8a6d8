package ddb_guardrails.main_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.main

test_the_compliant_session_stack_has_no_findings_from_any_rule if {
	report := main.report with input as fixtures.plan("model-compliant-stack")
	report.findings == []
	report.resources == 34
}

# A finding names its rule; the guardrail is the id's second part (DDB-ENC-001: encryption).
test_the_report_collects_findings_of_every_guardrail if {
	guardrails := {split(f.rule, "-")[1] |
		some fixture in ["enc-dax", "rec-pitr-deletion", "audit-no-trail"]
		some f in findings_of(fixture)
	}
	guardrails == {"ENC", "REC", "AUD"}
}

# Deleted resources are judged and counted: a plan that only deletes is never "no resources to check".
test_a_plan_that_only_deletes_is_judged_on_what_it_deletes if {
	fixture := fixtures.plan("change-destroy")
	report := main.report with input as fixture
	report.resources == count(fixture.resource_changes)
	every change in fixture.resource_changes {
		change.change.actions == ["delete"]
	}
	{f.rule | some f in report.findings} == {"DDB-REC-004"}
}

findings_of(fixture) := found if {
	found := main.report.findings with input as fixtures.plan(fixture)
}

# The rules that flag anything on each fixture (their -UNPROVABLE twins included): no other rule may.
# Each rule's own test asserts its findings by address; this table catches a rule that starts firing
# on a fixture its tests do not look at.
rules_flagging := {
	"audit-trail": {"DDB-AUD-001"},
	"gate-code-execution": {"DDB-AUD-008"},
	"cloudcontrol-resources": {
		"DDB-ENC-001", "DDB-ENC-002", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-005",
		"DDB-FGAC-006", "DDB-REC-001", "DDB-REC-002",
	},
	"iam-endpoint-exfiltration": {"DDB-EP-002"},
	"iam-key-policies": {"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-006"},
	"iam-fgac-questions": {"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003"},
	"audit-trail-evasion": {"DDB-AUD-001"},
	"audit-alerts-evasion": {"DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006"},
	"enc-key-grants": {
		"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001",
		"DDB-ENC-006", "DDB-REC-001", "DDB-REC-002",
	},
	"audit-no-trail": {"DDB-AUD-001"},
	"audit-trail-unprovable": {"DDB-AUD-001"},
	"audit-archive": {"DDB-AUD-002"},
	"audit-session-ttl": {"DDB-AUD-003"},
	"audit-monitoring": {"DDB-AUD-004", "DDB-AUD-007", "DDB-AUD-010"},
	"audit-monitoring-missing": {"DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007"},
	"audit-monitoring-unprovable": {"DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-AUD-010"},
	"audit-scan-delivery": set(),
	"audit-scan-delivery-missing": {"DDB-AUD-004"},
	"audit-scan-delivery-unprovable": {"DDB-AUD-004"},
	"audit-metrics-published": set(),
	"audit-export-delivery": set(),
	"audit-export-delivery-missing": {"DDB-AUD-006"},
	"audit-metrics-unpublished": {"DDB-AUD-004", "DDB-AUD-010"},
	"audit-metrics-partiql": {"DDB-AUD-010"},
	"table-cmk-same-plan": set(),
	"table-unencrypted": {"DDB-ENC-001"},
	"table-aws-managed-key": {"DDB-ENC-001"},
	"enc-table-keys": {"DDB-ENC-001"},
	"enc-replica": {"DDB-ENC-002"},
	"enc-key-rotation": {"DDB-ENC-003"},
	"enc-dax": {"DDB-ENC-004"},
	"enc-audit-buckets": {"DDB-ENC-005"},
	"enc-key-policy": {"DDB-ENC-006"},
	"enc-key-unknown-principals": {"DDB-ENC-006"},
	"enc-exports-streams": {"DDB-ENC-007", "DDB-ENC-008"},
	"rec-pitr-deletion": {"DDB-REC-001", "DDB-REC-002"},
	"change-regressions": {
		"DDB-AUD-001", "DDB-AUD-003", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-AUD-009",
		"DDB-ENC-001", "DDB-ENC-009", "DDB-REC-001", "DDB-REC-002", "DDB-REC-003", "DDB-REC-004",
	},
	"change-destroy": {"DDB-REC-004"},
	"awscc-tables": {"DDB-ENC-001", "DDB-ENC-002", "DDB-REC-001", "DDB-REC-002"},
	"cfn-stack-tables": {
		"DDB-ENC-001", "DDB-ENC-002", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-005",
		"DDB-FGAC-006", "DDB-REC-001", "DDB-REC-002",
	},
	"cfn-stack-iam": {
		"DDB-ENC-001", "DDB-ENC-002", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-005",
		"DDB-FGAC-006", "DDB-REC-001", "DDB-REC-002",
	},
	"model-child-module": {"DDB-ENC-001", "DDB-ENC-003"},
	# The plan alone: a conditional output's condition, a stack parameter next to another one known
	# after apply and a for-expression over module instances are unprovable. With the source beside the plan (test/engine/source-references.test.ts)
	# the compliant ones have no finding at all.
	"model-output-fallbacks": {"DDB-ENC-001"},
	"model-output-fallbacks-unrotated": {"DDB-ENC-001", "DDB-ENC-003"},
	"cfn-stack-parameters": {"DDB-ENC-001"},
	"cfn-stack-parameters-unrotated": {"DDB-ENC-001", "DDB-ENC-003"},
	"audit-trail-module-tables": {"DDB-AUD-001"},
	"audit-trail-module-tables-filtered": {"DDB-AUD-001"},
	"model-for-each": {"DDB-ENC-001", "DDB-REC-001"},
	"model-count": {"DDB-ENC-003", "DDB-REC-002"},
	"model-data-sources": set(),
	"model-compliant-stack": set(),
	"endpoint-compliant": set(),
	"endpoint-missing": {"DDB-EP-001", "DDB-EP-002", "DDB-EP-004", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006"},
	"endpoint-managed-policies": {"DDB-EP-001", "DDB-EP-004", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003"},
	"endpoint-policy-routes": {"DDB-EP-002", "DDB-EP-003"},
	"endpoint-policy-conditions": {"DDB-EP-002"},
	"fgac-leading-keys": {"DDB-AUD-001", "DDB-ENC-001", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006", "DDB-REC-001"},
	"fgac-scan-admin": {"DDB-AUD-001", "DDB-ENC-001", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006", "DDB-FGAC-009", "DDB-REC-001"},
	"fgac-protected-attributes": {"DDB-AUD-001", "DDB-ENC-001", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-004", "DDB-FGAC-006", "DDB-REC-001"},
	"fgac-resource-policy": {"DDB-AUD-001", "DDB-ENC-001", "DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-005", "DDB-REC-001"},
	"fgac-policy-shapes": {"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-005", "DDB-FGAC-006", "DDB-FGAC-008", "DDB-FGAC-009"},
	"fgac-resource-policy-conditions": {"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001", "DDB-FGAC-005", "DDB-REC-001"},
	"fgac-partiql-scan": {"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001", "DDB-FGAC-002", "DDB-REC-001"},
	"fgac-leading-keys-binding": {"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001", "DDB-FGAC-001", "DDB-REC-001"},
	"fgac-managed-policies": {"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006", "DDB-FGAC-009"},
	"fgac-sso": {"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006"},
	"fgac-service-roles": set(),
	"fgac-service-roles-insecure": {
		"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001",
		"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006", "DDB-FGAC-009", "DDB-REC-001", "DDB-REC-002",
	},
	"reach-trust": {"DDB-FGAC-007"},
	"reach-escalation": {"DDB-FGAC-008"},
	# Without the account_ids parameter (set in other_accounts_test.rego), named accounts are unprovable.
	"reach-exfiltration": {
		"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001",
		"DDB-ENC-007", "DDB-FGAC-010", "DDB-REC-001", "DDB-REC-002",
	},
	"reach-streams": {"DDB-FGAC-001", "DDB-FGAC-009"},
	"fgac-admin-actions": {
		"DDB-AUD-001", "DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007", "DDB-ENC-001",
		"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-006", "DDB-REC-001", "DDB-REC-002",
	},
}

test_each_fixture_is_flagged_by_its_rules_only if {
	every name, rules in rules_flagging {
		{trim_suffix(f.rule, "-UNPROVABLE") | some f in findings_of(name)} == rules
	}
}
