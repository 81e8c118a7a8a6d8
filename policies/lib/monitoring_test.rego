package ddb_guardrails.lib.monitoring_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.monitoring

call := {"source": ["aws.dynamodb"], "detail-type": ["AWS API Call via CloudTrail"]}

matches(detail, event) if monitoring._pattern_matches(object.union(call, {"detail": detail}), event)

test_a_listed_event_name_matches_only_itself if {
	matches({"eventName": ["DeleteTable"]}, "DeleteTable")
	not matches({"eventName": ["DeleteTable"]}, "UpdateTable")
}

test_a_pattern_without_an_event_name_matches_every_call if {
	matches({"eventSource": ["dynamodb.amazonaws.com"]}, "PutResourcePolicy")
	monitoring._pattern_matches({"source": ["aws.dynamodb"]}, "DeleteBackup")
}

test_prefix_and_suffix_filters_match_as_eventbridge_does if {
	matches({"eventName": [{"prefix": "Update"}]}, "UpdateContinuousBackups")
	not matches({"eventName": [{"prefix": "Update"}]}, "DeleteTable")
	matches({"eventName": [{"prefix": {"equals-ignore-case": "update"}}]}, "UpdateTable")
	matches({"eventName": [{"suffix": "Policy"}]}, "DeleteResourcePolicy")
	matches({"eventName": [{"suffix": {"equals-ignore-case": "TABLE"}}]}, "DeleteTable")
	not matches({"eventName": [{"suffix": "Policy"}]}, "DeleteTable")
}

test_equals_ignore_case_and_wildcard_filters if {
	matches({"eventName": [{"equals-ignore-case": "deletetable"}]}, "DeleteTable")
	matches({"eventName": [{"wildcard": "Delete*"}]}, "DeleteResourcePolicy")
	matches({"eventName": [{"wildcard": "*Table"}]}, "UpdateTable")
	matches({"eventName": [{"wildcard": "Up*Con*"}]}, "UpdateContinuousBackups")
	not matches({"eventName": [{"wildcard": "Delete*Policy"}]}, "DeleteTable")
	not matches({"eventName": [{"wildcard": `Delete\*`}]}, "DeleteTable")
	not matches({"eventName": [{"wildcard": "Delete?able"}]}, "DeleteTable")
}

test_anything_but_matches_every_other_value if {
	matches({"eventName": [{"anything-but": "GetItem"}]}, "DeleteTable")
	not matches({"eventName": [{"anything-but": ["DeleteTable", "GetItem"]}]}, "DeleteTable")
	matches({"eventName": [{"anything-but": {"prefix": "Get"}}]}, "DeleteBackup")
	not matches({"eventName": [{"anything-but": {"prefix": "Delete"}}]}, "DeleteBackup")
	not matches({"eventName": [{"anything-but": {"equals-ignore-case": ["deletetable"]}}]}, "DeleteTable")
}

test_filters_on_the_source_fields_and_exists if {
	monitoring._pattern_matches({"source": [{"prefix": "aws."}], "detail": {"eventName": [{"exists": true}]}}, "DeleteTable")
	not monitoring._pattern_matches({"source": [{"anything-but": "aws.dynamodb"}]}, "DeleteTable")
	not monitoring._pattern_matches({"detail-type": [{"prefix": "Object"}]}, "DeleteTable")
}

test_filters_this_model_does_not_know_count_for_nothing if {
	not matches({"eventName": [{"numeric": [">", 0]}]}, "DeleteTable")
	not matches({"eventName": [{"exists": false}]}, "DeleteTable")
	not matches({"eventName": [{"prefix": "Delete", "suffix": "Table"}]}, "DeleteTable")
	not matches({"eventName": [{"prefix": ["Delete"]}]}, "DeleteTable")
}

test_a_filter_on_another_field_may_miss_tables if {
	not matches({"eventName": ["DeleteTable"], "requestParameters": {"tableName": ["a"]}}, "DeleteTable")
}

test_a_log_group_is_named_by_its_arn_or_its_name if {
	monitoring._log_group_name("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/cloudtrail/all:*") == "/aws/cloudtrail/all"
	monitoring._log_group_name("arn:aws:logs:eu-west-1:123456789012:log-group:trail") == "trail"
	monitoring._log_group_name("/aws/cloudtrail/all") == "/aws/cloudtrail/all"
}

metric(name, dimensions) := {"namespace": "AWS/DynamoDB", "name": name, "dimensions": dimensions}

test_dynamodb_metrics_are_published_only_with_their_documented_dimensions if {
	not monitoring.unpublished(metric("ReturnedItemCount", {"TableName": "t", "Operation": "Scan"}))
	monitoring.unpublished(metric("ReturnedItemCount", {"TableName": "t"}))
	not monitoring.unpublished(metric("ConsumedReadCapacityUnits", {"TableName": "t", "GlobalSecondaryIndexName": "i"}))
	monitoring.unpublished(metric("ConsumedReadCapacityUnits", {"TableName": "t", "Operation": "Scan"}))
	not monitoring.unpublished(metric("UserErrors", {}))
	monitoring.unpublished(metric("UserErrors", {"TableName": "t"}))
	not monitoring.unpublished(metric("ReplicationLatency", {"TableName": "t", "ReceivingRegion": "us-east-1"}))
	monitoring.unpublished(metric("ScanCount", {"TableName": "t"}))
}

test_other_namespaces_and_unknown_dimensions_are_not_judged if {
	not monitoring.unpublished({"namespace": "Audit", "name": "ScanCalls", "dimensions": {}})
	not monitoring.unpublished(metric("ReturnedItemCount", null))
}

test_the_evidence_lists_the_published_dimension_sets if {
	monitoring.published_as("ConsumedWriteCapacityUnits") == concat("", [
		"ConsumedWriteCapacityUnits is published with the dimensions ",
		"{GlobalSecondaryIndexName, TableName} or {TableName}",
	])
	monitoring.published_as("AccountMaxReads") == "AccountMaxReads is published with the dimensions (none)"
	monitoring.published_as("Scans") == "DynamoDB publishes no metric Scans"
}

test_an_alarm_fires_on_calls_only_when_it_goes_off_on_a_rise if {
	monitoring.fires_on_rise({"after": {"comparison_operator": "GreaterThanThreshold", "statistic": "Sum"}})
	monitoring.fires_on_rise({"after": {"comparison_operator": "GreaterThanUpperThreshold"}})
	not monitoring.fires_on_rise({"after": {"comparison_operator": "LessThanThreshold", "statistic": "Sum"}})
	not monitoring.fires_on_rise({"after": {"comparison_operator": "GreaterThanThreshold", "statistic": "Minimum"}})
}

test_dimensions_are_null_when_only_known_after_apply if {
	monitoring._known_dimensions({}, {"dimensions": true}) == null
	monitoring._known_dimensions({"dimensions": {"TableName": "t"}}, {}) == {"TableName": "t"}
	monitoring._known_dimensions({"dimensions": null}, {}) == {}
}

# A plan without its configuration: tables are grouped by the account of the run's credentials.
test_a_table_without_a_provider_configuration_is_grouped_by_its_account if {
	plan := json.remove(fixtures.plan("iam-10-accounts"), ["configuration"])
	table := monitoring.tables["aws_dynamodb_table.valid_in_this_account"] with input as plan
	monitoring._account_key(table) == [null, "the account of the run's credentials"] with input as plan
}
