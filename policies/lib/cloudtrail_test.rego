package ddb_guardrails.lib.cloudtrail_test

import rego.v1

import data.ddb_guardrails.lib.cloudtrail
import data.ddb_guardrails.lib.fixtures_test as fixtures

# Literal conditions against table names, for the operators no fixture uses.
table(name) := {"address": sprintf("aws_dynamodb_table.%s", [name]), "after": {"name": name}}

test_literal_arn_conditions_match_by_table_name if {
	cloudtrail._literal_matches("all", "arn:aws:dynamodb", table("t"))
	cloudtrail._literal_matches("all", "arn:aws-us-gov:dynamodb", table("t"))
	cloudtrail._literal_matches("equals", "arn:aws:dynamodb:eu-west-1:1:table/t", table("t"))
	not cloudtrail._literal_matches("equals", "arn:aws:dynamodb:eu-west-1:1:table/u", table("t"))
	cloudtrail._literal_matches("starts_with", "arn:aws:dynamodb:eu-west-1:", table("t"))
	cloudtrail._literal_matches("starts_with", "arn:aws:dynamodb:eu-west-1:1:table/ord", table("orders"))
	not cloudtrail._literal_matches("starts_with", "arn:aws:dynamodb:eu-west-1:1:table/ord", table("carts"))
	cloudtrail._literal_matches("ends_with", "-sessions", table("app-sessions"))
	existing := {"address": "a", "after": {"name": "y", "arn": "arn:aws:dynamodb:eu-west-1:1:table/x"}}
	cloudtrail._literal_matches("equals", "arn:aws:dynamodb:eu-west-1:1:table/x", existing)
	cloudtrail._literal_matches("starts_with", "arn:aws:dynamodb:eu-west-1:1:table/x", existing)
}

test_advanced_read_only_conditions_select_modes if {
	cloudtrail._advanced_modes({"readOnly": {"equals": ["true"]}}) == {"read"}
	cloudtrail._advanced_modes({"readOnly": {"equals": ["false"]}}) == {"write"}
	cloudtrail._advanced_modes({"readOnly": {"not_equals": ["true"]}}) == {"write"}
	cloudtrail._advanced_modes({"readOnly": {"not_equals": ["false"]}}) == {"read"}
	cloudtrail._advanced_modes({}) == {"read", "write"}
	cloudtrail._basic_modes({"read_write_type": "WriteOnly"}) == {"write"}
}

test_selectors_that_allow_list_event_names_do_not_count if {
	cloudtrail._event_name_allow_list({"eventName": {"equals": ["GetItem"]}})
	not cloudtrail._event_name_allow_list({"eventName": {"not_equals": ["DescribeTable"]}})
}

# Delivery to CloudWatch Logs, as DDB-AUD-004 and DDB-AUD-006 ask it of a log metric filter.
delivered_on(name, filter, table, events) if {
	fixture := fixtures.plan(name)
	resource := data.ddb_guardrails.lib.plan.resources[table] with input as fixture
	cloudtrail.delivered(filter, resource, "one", events) with input as fixture
}

test_management_writes_reach_log_groups_of_trails_with_no_selector_or_a_management_selector if {
	table := "aws_dynamodb_table.valid_export_filter_delivered"
	delivered_on("audit-export-delivery", "aws_cloudwatch_log_metric_filter.config_changes", table, "write management events")
	delivered_on("audit-export-delivery", "aws_cloudwatch_log_metric_filter.exports", table, "write management events")
	delivered_on("audit-export-delivery", "aws_cloudwatch_log_metric_filter.scan", table, "read data events")
	not delivered_on("audit-export-delivery", "aws_cloudwatch_log_metric_filter.config_changes", table, "read data events")
}

test_data_only_read_only_and_roleless_trails_deliver_no_management_writes if {
	every group in ["exports", "data", "reads", "no-role"] {
		not delivered_on(
			"audit-export-delivery-missing", sprintf("aws_cloudwatch_log_metric_filter.exports[%q]", [group]),
			"aws_dynamodb_table.invalid_export_filters_undelivered", "write management events",
		)
	}
}

test_the_data_only_trail_delivers_the_tables_reads if {
	delivered_on(
		"audit-export-delivery-missing", "aws_cloudwatch_log_metric_filter.exports[\"data\"]",
		"aws_dynamodb_table.invalid_export_filters_undelivered", "read data events",
	)
}
