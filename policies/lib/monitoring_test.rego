package ddb_guardrails.lib.monitoring_test

import rego.v1

import data.ddb_guardrails.lib.monitoring

call := {"source": ["aws.dynamodb"], "detail-type": ["AWS API Call via CloudTrail"]}

matches(detail, event) if monitoring.pattern_matches(object.union(call, {"detail": detail}), event)

test_a_listed_event_name_matches_only_itself if {
	matches({"eventName": ["DeleteTable"]}, "DeleteTable")
	not matches({"eventName": ["DeleteTable"]}, "UpdateTable")
}

test_a_pattern_without_an_event_name_matches_every_call if {
	matches({"eventSource": ["dynamodb.amazonaws.com"]}, "PutResourcePolicy")
	monitoring.pattern_matches({"source": ["aws.dynamodb"]}, "DeleteBackup")
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
	monitoring.pattern_matches({"source": [{"prefix": "aws."}], "detail": {"eventName": [{"exists": true}]}}, "DeleteTable")
	not monitoring.pattern_matches({"source": [{"anything-but": "aws.dynamodb"}]}, "DeleteTable")
	not monitoring.pattern_matches({"detail-type": [{"prefix": "Object"}]}, "DeleteTable")
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
