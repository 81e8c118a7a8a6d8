package ddb_guardrails.rules.audit.change_alerts_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.audit.change_alerts as rule

subject := "audit/change_alerts"

test_a_targeted_rule_on_every_change_event_covers_every_table if {
	fixtures.findings_for(subject, "audit-monitoring") == set()
}

test_disabled_untargeted_and_partial_rules_and_unheard_config_rules_do_not_count if {
	fixtures.findings_for(subject, "audit-monitoring-missing") == {["aws_dynamodb_table.invalid_unmonitored", "DDB-AUD-005"]}
	found := fixtures.violations(subject, fixtures.plan("audit-monitoring-missing"))
	some f in found
	f.evidence == [
		"no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, PutResourcePolicy, UpdateContinuousBackups",
		"AWS Config rule results reach nobody (no delivery channel SNS topic, no targeted rule on Config Rules Compliance Change)",
	]
}

# Config rules record compliance; they alert only through a delivery channel topic or an EventBridge
# rule on compliance changes, and only for the change they see.
test_config_rules_whose_results_reach_nobody_cover_nothing if {
	fixtures.findings_for(subject, "audit-config-unheard") == {["aws_dynamodb_table.invalid_config_unheard", "DDB-AUD-005"]}
	found := fixtures.violations(subject, fixtures.plan("audit-monitoring-unprovable"))
	{f.rule | some f in found} == {"DDB-AUD-005-UNPROVABLE"}
}

test_a_delivered_pitr_config_rule_covers_update_continuous_backups if {
	fixtures.findings_for(subject, "audit-config-delivered") == set()
	fixtures.findings_for(subject, "audit-config-via-eventbridge") == set()
}

# The changes the Config rules of the account of the fixture's tables cover.
config_covered_on(name) := {event |
	some table in data.ddb_guardrails.lib.monitoring.tables with input as fixtures.plan(name)
	some event in rule.config_covered(table, "one") with input as fixtures.plan(name)
}

test_config_rules_cover_only_the_changes_they_see if {
	config_covered_on("audit-config-delivered") == {"UpdateContinuousBackups"}
	config_covered_on("audit-config-unheard") == set()
}

test_a_pattern_known_only_after_apply_is_unprovable if {
	found := fixtures.violations(subject, fixtures.plan("audit-monitoring-missing"))
		with data.ddb_guardrails.lib.monitoring._unknown_rules as {"aws_cloudwatch_event_rule.partial_rule": "r: event_pattern is only known after apply"}
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-AUD-005-UNPROVABLE", "r: event_pattern is only known after apply"]}
}

test_the_audit_trail_construct_alerts_on_changes if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "terraform-modules-audit-trail") == set()
}

# DynamoDB API calls reach the default event bus only: a rule on a custom bus never fires.
test_a_rule_on_a_custom_event_bus_does_not_count if {
	fixtures.findings_for(subject, "audit-alerts-evasion") == {["aws_dynamodb_table.invalid_alerts_never_fire", "DDB-AUD-005"]}
}

# EventBridge content filters match as EventBridge matches them, not by string equality.
test_content_filters_that_cover_every_change_count if {
	fixtures.findings_for(subject, "audit-eventbridge-filters") == set()
	fixtures.findings_for(subject, "audit-eventbridge-any-call") == set()
}

test_an_anything_but_filter_that_leaves_out_deletes_does_not_cover_them if {
	fixtures.findings_for(subject, "audit-eventbridge-filters-missing") == {["aws_dynamodb_table.invalid_filters_miss_deletes", "DDB-AUD-005"]}
	found := fixtures.violations(subject, fixtures.plan("audit-eventbridge-filters-missing"))
	some f in found
	f.evidence[0] == "no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, DeleteTable"
}

test_a_table_of_another_account_is_not_covered_by_this_accounts_eventbridge_rule if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {"account_ids": ["111122223333"]})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-005"]}
	some f in found
	"aws_cloudwatch_event_rule.changes is in account 111122223333, the table in account 444455556666" in f.evidence
}

# The default provider names no account: the EventBridge rule may be in 444455556666 too. The table of its
# own provider configuration is covered all the same.
test_without_this_accounts_id_a_table_of_a_named_account_is_unprovable_for_change_alerts if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-005-UNPROVABLE"]}
	some f in found
	f.evidence == [concat("", [
		"aws_cloudwatch_event_rule.changes is in an account the plan does not name, the table in account 444455556666: ",
		"whether they are one account is only known at apply",
	])]
}

test_the_config_evidence_names_the_changes_delivered_config_rules_cover if {
	plan := fixtures.plan("audit-config-delivered")
	table := data.ddb_guardrails.lib.monitoring.tables["aws_dynamodb_table.valid_config_delivered"] with input as plan
	rule.config_evidence(table) == "AWS Config managed rules cover: UpdateContinuousBackups" with input as plan
	rule.config_evidence(table) == "AWS Config managed rules cover none of these changes" with input as plan
		with data.ddb_guardrails.lib.monitoring.config_rules as {}
}

# audit-config-delivered with its table moved to a provider of account 444455556666.
table_of_partner(name, table) := patched if {
	plan := fixtures.plan(name)
	some i, resource in plan.configuration.root_module.resources
	resource.address == table
	patched := json.patch(plan, [
		{"op": "add", "path": "/configuration/provider_config/aws.partner", "value": {
			"name": "aws", "alias": "partner",
			"expressions": {"allowed_account_ids": {"constant_value": ["444455556666"]}},
		}},
		{"op": "replace", "path": sprintf("/configuration/root_module/resources/%d/provider_config_key", [i]), "value": "aws.partner"},
	])
}

# The Config rule, its delivery channel and the EventBridge rule are of this account only.
test_config_rules_of_another_account_do_not_cover_the_table if {
	plan := table_of_partner("audit-config-delivered", "aws_dynamodb_table.valid_config_delivered")
	found := fixtures.violations_with_parameters(subject, plan, {"account_ids": ["111122223333"]})
	fixtures.pairs(found) == {["aws_dynamodb_table.valid_config_delivered", "DDB-AUD-005"]}
	some f in found
	f.evidence == [
		"no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, DeleteTable, PutResourcePolicy, UpdateContinuousBackups, UpdateTable",
		"AWS Config rule results reach nobody (no delivery channel SNS topic, no targeted rule on Config Rules Compliance Change)",
		"aws_cloudwatch_event_rule.changes is in account 111122223333, the table in account 444455556666",
		"aws_config_config_rule.pitr is in account 111122223333, the table in account 444455556666",
	]
}

test_config_rules_of_an_account_that_may_be_the_tables_make_it_unprovable if {
	plan := table_of_partner("audit-config-delivered", "aws_dynamodb_table.valid_config_delivered")
	fixtures.pairs(fixtures.violations_with_parameters(subject, plan, {})) == {["aws_dynamodb_table.valid_config_delivered", "DDB-AUD-005-UNPROVABLE"]}
}
