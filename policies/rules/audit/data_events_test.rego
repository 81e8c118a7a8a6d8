package ddb_guardrails.rules.audit.data_events_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/data_events"

test_tables_no_enabled_trail_records_reads_and_writes_for_are_flagged if {
	fixtures.findings_for(subject, "audit-trail") == {
		["aws_dynamodb_table.invalid_not_logged", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_reads_only", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_writes_only", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_trail_disabled", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_excluded_by_selector", "DDB-AUD-001"],
	}
}

test_tables_selected_by_reference_literal_arn_or_prefix_pass if {
	some table in [
		"valid_logged_by_arn", "valid_logged_by_advanced_selector", "valid_logged_by_prefix",
		"valid_logged_by_literal_arn", "valid_selected_despite_exclusion",
	]
	not fixtures.finding_on(subject, "audit-trail", sprintf("aws_dynamodb_table.%s", [table]))
}

test_an_account_wide_selector_covers_every_table if {
	fixtures.findings_for(subject, "model-child-module") == set()
	fixtures.findings_for(subject, "model-for-each") == set()
	fixtures.findings_for(subject, "model-data-sources") == set()
}

test_the_evidence_says_what_each_trail_records if {
	fixtures.finding_on(subject, "audit-trail", "aws_dynamodb_table.invalid_reads_only").evidence == [
		"aws_cloudtrail.reads_only event_selector[0].data_resource[0] records read events only",
	]
	fixtures.finding_on(subject, "audit-trail", "aws_dynamodb_table.invalid_trail_disabled").evidence == ["aws_cloudtrail.disabled: enable_logging = false"]
	writes_only := fixtures.finding_on(subject, "audit-trail", "aws_dynamodb_table.invalid_writes_only")
	writes_only.message == "no CloudTrail trail records DynamoDB data events (read) for this table"
}

test_a_plan_without_trail_flags_each_table if {
	fixtures.findings_for(subject, "audit-no-trail") == {["aws_dynamodb_table.invalid_no_trail_in_plan", "DDB-AUD-001"]}
	fixtures.finding_on(subject, "audit-no-trail", "aws_dynamodb_table.invalid_no_trail_in_plan").evidence == ["no aws_cloudtrail in this plan"]
}

test_a_table_list_through_a_local_is_unprovable if {
	fixtures.findings_for(subject, "audit-trail-unprovable") == {["aws_dynamodb_table.unprovable_arn_in_local", "DDB-AUD-001-UNPROVABLE"]}
}

test_selectors_known_only_after_apply_are_unprovable if {
	# The whole selector list, a read_write_type, or the resources.type of an advanced selector.
	["aws_dynamodb_table.invalid_not_logged", "DDB-AUD-001-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-trail", "aws_cloudtrail.reads_only",
		{"after": {}, "unknown": {"event_selector": true}},
	)
	["aws_dynamodb_table.invalid_reads_only", "DDB-AUD-001-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-trail", "aws_cloudtrail.reads_only",
		{"unknown": {"event_selector": [{"read_write_type": true, "data_resource": [{"values": true}]}]}},
	)
	["aws_dynamodb_table.invalid_not_logged", "DDB-AUD-001-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-trail", "aws_cloudtrail.disabled",
		{
			"after": {
				"enable_logging": true,
				"advanced_event_selector": [{"field_selector": [{"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type"}]}],
			},
			"unknown": {"advanced_event_selector": [{"field_selector": [{}, {"equals": true}]}]},
		},
	)
}

test_a_trail_whose_logging_state_is_unknown_is_unprovable if {
	["aws_dynamodb_table.invalid_trail_disabled", "DDB-AUD-001-UNPROVABLE"] in fixtures.findings_with_resource(
		subject, "audit-trail", "aws_cloudtrail.disabled",
		{"after": {"enable_logging": null}, "unknown": {"enable_logging": true}},
	)
}

test_selectors_that_leave_out_events_callers_or_the_region_do_not_cover if {
	fixtures.findings_for(subject, "audit-trail-evasion") == {
		["aws_dynamodb_table.invalid_scan_excluded", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_caller_excluded", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_source_other", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_reads_by_prefix", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_other_service", "DDB-AUD-001"],
		["aws_dynamodb_table.invalid_other_region", "DDB-AUD-001"],
	}
}

test_a_readonly_prefix_records_the_reads_it_matches_only if {
	f := fixtures.finding_on(subject, "audit-trail-evasion", "aws_dynamodb_table.invalid_reads_by_prefix")
	f.message == "no CloudTrail trail records DynamoDB data events (write) for this table"
}

test_a_single_region_trail_of_another_region_says_so if {
	fixtures.finding_on(subject, "audit-trail-evasion", "aws_dynamodb_table.invalid_other_region").evidence == [
		"aws_cloudtrail.us_east_1_only is a single-Region trail of us-east-1, the table is in eu-west-1",
	]
}

# A trail whose provider's Region is not a constant: it may or may not be the table's Region.
test_a_single_region_trail_of_an_unknown_region_is_unprovable if {
	fixture := fixtures.plan("audit-trail-evasion")
	patched := json.patch(fixture, [{
		"op": "replace",
		"path": "/configuration/provider_config/aws.us_east_1/expressions/region",
		"value": {"references": ["var.region"]},
	}])
	found := fixtures.violations(subject, patched)
	some f in found
	f.address == "aws_dynamodb_table.invalid_other_region"
	f.rule == "DDB-AUD-001-UNPROVABLE"
	f.evidence == ["aws_cloudtrail.us_east_1_only is a single-Region trail whose Region cannot be compared with the table's before apply"]
}

# The plan records only "module.tables" for [for t in module.tables : t.table_arn]; the source model
# (test/engine/source-references.test.ts builds it) lists each instance's table.
module_table(key) := {"references": ["aws_dynamodb_table.this.arn"], "module": sprintf("module.tables[%q]", [key]), "source_location": "main.tf:24"}

module_tables_source(keys) := {"aws_cloudtrail.data_events": {"event_selector.0.data_resource.0.values": {
	"any_of": [module_table(key) | some key in keys],
	"source_location": "main.tf:24",
}}}

test_a_for_expression_over_module_instances_is_unprovable_without_source if {
	fixtures.findings_for(subject, "audit-trail-module-tables-filtered") == {
		[`module.tables["audit"].aws_dynamodb_table.this`, "DDB-AUD-001-UNPROVABLE"],
		[`module.tables["orders"].aws_dynamodb_table.this`, "DDB-AUD-001-UNPROVABLE"],
		[`module.tables["sessions"].aws_dynamodb_table.this`, "DDB-AUD-001-UNPROVABLE"],
	}
}

test_a_table_a_for_expression_filters_out_is_flagged if {
	source := {"source": {"attributes": module_tables_source(["orders", "sessions"])}}
	found := fixtures.violations(subject, object.union(fixtures.plan("audit-trail-module-tables-filtered"), source))
	fixtures.pairs(found) == {[`module.tables["audit"].aws_dynamodb_table.this`, "DDB-AUD-001"]}
}

this_account := {"account_ids": ["111122223333"]}

test_a_table_of_another_account_is_not_covered_by_this_accounts_trail if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), this_account)
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-001"]}
	some f in found
	f.evidence == ["aws_cloudtrail.account records account 111122223333, the table is in account 444455556666"]
}

# The default provider names no account: the trail may be in 444455556666 too.
test_without_the_trails_account_a_table_of_a_named_account_is_unprovable if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-10-accounts"), {})
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-001-UNPROVABLE"]}
	some f in found
	f.evidence == [concat("", [
		"aws_cloudtrail.account is in an account the plan does not name, the table in account 444455556666: ",
		"whether they are one account is only known at apply",
	])]
}

# An organization trail records its member accounts, which the plan does not list.
test_an_organization_trail_and_a_table_of_another_account_are_unprovable if {
	plan := fixtures.plan("iam-10-accounts")
	some i, change in plan.resource_changes
	change.address == "aws_cloudtrail.account"
	patched := json.patch(plan, [{"op": "replace", "path": sprintf("/resource_changes/%d/change/after/is_organization_trail", [i]), "value": true}])
	found := fixtures.violations_with_parameters(subject, patched, this_account)
	fixtures.pairs(found) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-001-UNPROVABLE"]}
	some f in found
	startswith(f.evidence[0], "aws_cloudtrail.account is an organization trail of account 111122223333, the table is in account 444455556666")
}

# A multi-Region trail records every Region of its own account only.
test_a_multi_region_trail_does_not_record_another_account if {
	plan := fixtures.plan("iam-10-accounts")
	some i, change in plan.resource_changes
	change.address == "aws_cloudtrail.account"
	patched := json.patch(plan, [{"op": "replace", "path": sprintf("/resource_changes/%d/change/after/is_multi_region_trail", [i]), "value": true}])
	fixtures.pairs(fixtures.violations_with_parameters(subject, patched, this_account)) == {["aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-001"]}
}
