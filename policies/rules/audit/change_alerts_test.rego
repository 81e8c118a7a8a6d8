package ddb_guardrails.rules.audit.change_alerts_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.audit.change_alerts as rule

findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

test_a_targeted_rule_on_every_change_event_covers_every_table if {
	findings_for("audit-monitoring") == set()
}

test_disabled_untargeted_and_partial_rules_and_unheard_config_rules_do_not_count if {
	findings_for("audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-005"]}
	found := rule.violation with input as fixtures.plan("audit-monitoring-missing")
	some f in found
	f.evidence == [
		"no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, PutResourcePolicy, UpdateContinuousBackups",
		"AWS Config rule results reach nobody (no delivery channel SNS topic, no targeted rule on Config Rules Compliance Change)",
	]
}

# Config rules record compliance; they alert only through a delivery channel topic or an EventBridge
# rule on compliance changes, and only for the change they see.
test_config_rules_whose_results_reach_nobody_cover_nothing if {
	findings_for("audit-config-unheard") == {["aws_dynamodb_table.invalid_config_unheard", "DDB-AUD-005"]}
	found := rule.violation with input as fixtures.plan("audit-monitoring-unprovable")
	{f.rule | some f in found} == {"DDB-AUD-005-UNPROVABLE"}
}

test_a_delivered_pitr_config_rule_covers_update_continuous_backups if {
	findings_for("audit-config-delivered") == set()
	findings_for("audit-config-via-eventbridge") == set()
}

test_config_rules_cover_only_the_changes_they_see if {
	rule.config_covered == {"UpdateContinuousBackups"} with input as fixtures.plan("audit-config-delivered")
	rule.config_covered == set() with input as fixtures.plan("audit-config-unheard")
}

test_a_pattern_known_only_after_apply_is_unprovable if {
	found := rule.violation with input as fixtures.plan("audit-monitoring-missing")
		with data.ddb_guardrails.lib.monitoring.unknown_rules as {"r": "r: event_pattern is only known after apply"}
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-AUD-005-UNPROVABLE", "r: event_pattern is only known after apply"]}
}

test_the_audit_trail_construct_alerts_on_changes if {
	findings_for("model-compliant-stack") == set()
	findings_for("terraform-modules-audit-trail") == set()
}

# DynamoDB API calls reach the default event bus only: a rule on a custom bus never fires.
test_a_rule_on_a_custom_event_bus_does_not_count if {
	findings_for("audit-alerts-evasion") == {["aws_dynamodb_table.invalid_alerts_never_fire", "DDB-AUD-005"]}
}

# EventBridge content filters match as EventBridge matches them, not by string equality.
test_content_filters_that_cover_every_change_count if {
	findings_for("audit-eventbridge-filters") == set()
	findings_for("audit-eventbridge-any-call") == set()
}

test_an_anything_but_filter_that_leaves_out_deletes_does_not_cover_them if {
	findings_for("audit-eventbridge-filters-missing") == {["aws_dynamodb_table.invalid_filters_miss_deletes", "DDB-AUD-005"]}
	found := rule.violation with input as fixtures.plan("audit-eventbridge-filters-missing")
	some f in found
	f.evidence[0] == "no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, DeleteTable"
}
