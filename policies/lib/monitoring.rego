# METADATA
# title: Monitoring
# description: >-
#   What the plan watches: CloudWatch alarms (with an alarm action) on DynamoDB metrics or on log
#   metric filters over CloudTrail events, EventBridge rules (with a target) on DynamoDB API calls,
#   and AWS Config managed rules, and the account each watches (its own only). Read by the audit
#   rules on Scan alarms, change alerts, exports and Contributor Insights.
package ddb_guardrails.lib.monitoring

import rego.v1

import data.ddb_guardrails.data.dynamodb_metrics
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

# Every table holds data: the plan cannot tell an empty table, so tables that hold none (a state
# lock table) are waived per finding, with the reason.
tables := plan.of_type("aws_dynamodb_table")

# Alarms that notify someone: alarm_actions set (known, or known only after apply).
alerting_alarms[address] := alarm if {
	some address, alarm in plan.of_type("aws_cloudwatch_metric_alarm")
	_has_actions(alarm)
	not alarm.after.actions_enabled == false
}

_has_actions(alarm) if count(object.get(alarm.after, "alarm_actions", [])) > 0

_has_actions(alarm) if {
	unknown := alarm.unknown.alarm_actions
	unknown != false
	count(_array_or_set(unknown)) > 0
}

_array_or_set(value) := value if is_array(value)

_array_or_set(true) := [true]

# The metrics an alarm reads: its own metric, or each metric of its metric_query (metric math,
# anomaly detection), as {"label", "namespace", "name", "dimensions", "returned"}. `dimensions` is
# null when only known after apply (Terraform then hides every key of the map); `returned` tells the
# metric the alarm compares with its threshold (for metric_query, the one with return_data = true).
alarm_metrics[address] contains metric if {
	some address, alarm in plan.of_type("aws_cloudwatch_metric_alarm")
	is_string(alarm.after.metric_name)
	metric := {
		"label": address,
		"namespace": alarm.after.namespace,
		"name": alarm.after.metric_name,
		"dimensions": _known_dimensions(alarm.after, alarm.unknown),
		"returned": true,
	}
}

alarm_metrics[address] contains metric if {
	some address, alarm in plan.of_type("aws_cloudwatch_metric_alarm")
	some i, query in object.get(alarm.after, "metric_query", [])
	some reading in object.get(query, "metric", [])
	metric := {
		"label": sprintf("%s metric_query %q", [address, query.id]),
		"namespace": reading.namespace,
		"name": reading.metric_name,
		"dimensions": _known_dimensions(reading, object.get(alarm.unknown, ["metric_query", i, "metric", 0], {})),
		"returned": object.get(query, "return_data", false) == true,
	}
}

_known_dimensions(values, unknown) := null if {
	unknown.dimensions == true
} else := object.get(values, "dimensions", {}) if {
	is_object(object.get(values, "dimensions", {}))
} else := {}

# A DynamoDB metric is published only under its documented name and dimension-name sets; asked for
# otherwise, the alarm has no data point, ever, and stays INSUFFICIENT_DATA.
unpublished(metric) if {
	metric.namespace == dynamodb_metrics.namespace
	is_string(metric.name)
	is_object(metric.dimensions)
	not {name | some name, _ in metric.dimensions} in object.get(dynamodb_metrics.published, metric.name, set())
}

# Verb and OperationType are emitted only with some operations (ExecuteStatement, ExecuteTransaction,
# BatchExecuteStatement): with another Operation, no such metric exists.
unpublished(metric) if {
	metric.namespace == dynamodb_metrics.namespace
	is_object(metric.dimensions)
	is_string(metric.dimensions.Operation)
	some name, operations in dynamodb_metrics.operation_dimensions
	metric.dimensions[name]
	not metric.dimensions.Operation in operations
}

# Why a metric is not published, for evidence.
why_unpublished(metric) := sprintf("%s is emitted only with Operation %s, not %s", [
	name, concat(" or ", sort(operations)), metric.dimensions.Operation,
]) if {
	is_string(metric.dimensions.Operation)
	some name, operations in dynamodb_metrics.operation_dimensions
	metric.dimensions[name]
	not metric.dimensions.Operation in operations
} else := sprintf("%s, not with %s", [published_as(metric.name), _dimension_list({name | some name, _ in metric.dimensions})])

# How DynamoDB publishes a metric, for evidence.
published_as(name) := sprintf("%s is published with the dimensions %s", [name, concat(" or ", sort([_dimension_list(names) |
	some names in dynamodb_metrics.published[name]
]))]) if {
	dynamodb_metrics.published[name]
} else := sprintf("DynamoDB publishes no metric %s", [name])

_dimension_list(names) := "(none)" if count(names) == 0

_dimension_list(names) := concat("", ["{", concat(", ", sort(names)), "}"]) if count(names) > 0

# An alarm that goes off when its metric rises: what a count of calls needs. LessThan comparisons
# alarm when the calls stop, and the Minimum of a count is 0 whenever one period has none.
_rising_comparisons := {
	"GreaterThanThreshold", "GreaterThanOrEqualToThreshold",
	"GreaterThanUpperThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
}

fires_on_rise(alarm) if {
	alarm.after.comparison_operator in _rising_comparisons
	not alarm.after.statistic == "Minimum"
}

# Log metric filters whose metric an alerting alarm watches: address -> {"names", "tables", "alarms"}.
# `names` are the eventName values the pattern selects, `tables` the requestParameters.tableName
# values (empty: every table), `alarms` the addresses of the alarms on its metric.
alarmed_filters[address] := {"names": _event_names(pattern), "tables": _table_names(pattern), "alarms": alarms} if {
	some address, filter in plan.of_type("aws_cloudwatch_log_metric_filter")
	pattern := filter.after.pattern
	is_string(pattern)
	not _narrowed(pattern)
	alarms := {alarm_address |
		some transformation in object.get(filter.after, "metric_transformation", [])
		some alarm_address, alarm in alerting_alarms
		fires_on_rise(alarm)
		some metric in alarm_metrics[alarm_address]
		metric.returned
		metric.name == transformation.name
		metric.namespace == transformation.namespace
	}
	count(alarms) > 0
}

# Accounts. Alarms, metric filters, trails, EventBridge rules and Config rules watch the account
# they are created in: a watcher of another account does not see the table. A watcher and a table
# are in one account when they share a provider configuration, when the accounts they are deployed
# into are equal (reach.resource_account), or when neither provider names an account (both use the
# run's credentials), as DDB-AUD-001 reads a trail. `mode` "one" asks for one account surely,
# "maybe" for an account that is not surely another (the two differ only before apply).
in_account(addresses, table, "one") if {
	every address in addresses {
		one_account(plan.resources[address], table)
	}
}

in_account(addresses, table, "maybe") if {
	every address in addresses {
		not other_account(plan.resources[address], table)
	}
}

one_account(resource, table) if reach.provider_key(resource) == reach.provider_key(table)

one_account(resource, table) if account_scope(resource) == account_scope(table)

account_scope(resource) := account if {
	account := reach.resource_account(resource)
} else := "the account of the run's credentials"

# Both accounts are known and differ.
other_account(resource, table) if {
	reach.resource_account(resource) != reach.resource_account(table)
	not one_account(resource, table)
}

# Evidence on the watchers (addresses) that are not surely in the table's account.
account_evidence(addresses, table) := {_account_gap(address, table) |
	some address in addresses
	not one_account(plan.resources[address], table)
}

_account_gap(address, table) := sprintf("%s is in account %s, the table in account %s", [
	address, reach.resource_account(plan.resources[address]), reach.resource_account(table),
]) if {
	other_account(plan.resources[address], table)
} else := sprintf("%s is in %s, the table in %s: whether they are one account is only known at apply", [
	address, account_text(plan.resources[address]), account_text(table),
])

account_text(resource) := sprintf("account %s", [reach.resource_account(resource)]) if {
	reach.resource_account(resource)
} else := "an account the plan does not name"

# The log groups a trail delivers its events to: with cloud_watch_logs_group_arn and the
# cloud_watch_logs_role_arn CloudTrail writes with, both set. A log group is keyed by its name
# ("name:<name>", from an ARN or a known name) and by the aws_cloudwatch_log_group it references.
_trail_log_groups[trail] := groups if {
	some trail, resource in plan.of_type("aws_cloudtrail")
	_set_or_pending(resource, "cloud_watch_logs_role_arn")
	_set_or_pending(resource, "cloud_watch_logs_group_arn")
	groups := _log_group_keys(resource, "cloud_watch_logs_group_arn")
}

_set_or_pending(resource, attribute) if resource.unknown[attribute] == true

_set_or_pending(resource, attribute) if {
	is_string(resource.after[attribute])
	resource.after[attribute] != ""
}

# The log group a metric filter reads.
_filter_log_groups[address] := _log_group_keys(filter, "log_group_name") if {
	some address, filter in plan.of_type("aws_cloudwatch_log_metric_filter")
}

_log_group_keys(resource, attribute) := {concat(":", ["name", _log_group_name(resource.after[attribute])]) |
	is_string(resource.after[attribute])
} | {key |
	some source in references.sources(resource, [attribute])
	source.kind == "resource"
	group := plan.resources[source.address]
	group.type == "aws_cloudwatch_log_group"
	some key in ({concat(":", ["address", source.address])} | {concat(":", ["name", group.after.name]) | is_string(group.after.name)})
}

# "arn:aws:logs:<region>:<account>:log-group:<name>:*" -> "<name>"; a name is itself.
_log_group_name(value) := match[1] if {
	[match] := regex.find_all_string_submatch_n(`^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)`, value, 1)
} else := value

# Trails whose cloud_watch_logs_group_arn names no log group the plan can tell: address -> evidence.
unresolved_deliveries[trail] := references.unknown_chain(resource, ["cloud_watch_logs_group_arn"], concat("", [trail, ".cloud_watch_logs_group_arn"])) if {
	some trail, groups in _trail_log_groups
	count(groups) == 0
	resource := plan.resources[trail]
}

# Alarmed filters whose log_group_name names no log group the plan can tell: address -> evidence.
unresolved_filter_groups[address] := references.unknown_chain(filter, ["log_group_name"], concat("", [address, ".log_group_name"])) if {
	some address, _ in alarmed_filters
	count(_filter_log_groups[address]) == 0
	filter := plan.resources[address]
}

# The trails that deliver to the log group of a metric filter.
delivering_trails(filter) := {trail |
	some trail, groups in _trail_log_groups
	count(groups & _filter_log_groups[filter]) > 0
}

# Filters whose pattern or metric is only known after apply: address -> evidence.
unknown_filters[address] := sprintf("%s: pattern or metric_transformation is only known after apply", [address]) if {
	some address, filter in plan.of_type("aws_cloudwatch_log_metric_filter")
	some attribute in ["pattern", "metric_transformation"]
	iam.any_true(object.get(filter.unknown, attribute, false))
}

# A pattern that also tests another field ($.awsRegion, $.errorCode, $.userIdentity...), or tests the
# event source or name otherwise than by equality, may count no call at all: it counts for nothing.
_narrowed(pattern) if {
	some term in regex.find_all_string_submatch_n(`\$\.([A-Za-z0-9_.\[\]]+)\s*(!=|=|>=|<=|>|<)\s*("[^"]*"|[^\s)&|}]*)`, pattern, -1)
	not _counted_term(term[1], term[2], term[3])
}

_counted_term("eventName", "=", _)

_counted_term("requestParameters.tableName", "=", _)

_counted_term("eventSource", "=", value) if trim(value, `"`) == "dynamodb.amazonaws.com"

_event_names(pattern) := {match[1] | some match in regex.find_all_string_submatch_n(`\$\.eventName\s*=\s*"?([A-Za-z]+)"?`, pattern, -1)}

_table_names(pattern) := {match[1] |
	some match in regex.find_all_string_submatch_n(`\$\.requestParameters\.tableName\s*=\s*"?([A-Za-z0-9_.-]+)"?`, pattern, -1)
}

# A filter that counts an event for a table.
filter_watches(filter, event, _) if {
	event in filter.names
	count(filter.tables) == 0
}

filter_watches(filter, event, table) if {
	event in filter.names
	table.after.name in filter.tables
}

# EventBridge rules of the plan that are on, have a target, and whose pattern is known:
# address -> {"pattern": parsed event_pattern}.
_routed_rules[address] := json.unmarshal(rule.after.event_pattern) if {
	some address, rule in plan.of_type("aws_cloudwatch_event_rule")
	_enabled(rule)
	is_string(rule.after.event_pattern)
	json.is_valid(rule.after.event_pattern)
	_targeted(address, rule)
}

# Rules that are on and targeted but whose pattern is only known after apply: address -> evidence.
_unknown_rules[address] := concat(": ", [address, "event_pattern is only known after apply"]) if {
	some address, rule in plan.of_type("aws_cloudwatch_event_rule")
	_enabled(rule)
	rule.unknown.event_pattern == true
	_targeted(address, rule)
}

_enabled(rule) if {
	not rule.after.state == "DISABLED"
	not rule.after.is_enabled == false
	_default_bus(rule)
}

# AWS services send their events to the default event bus only: a rule on a custom bus never sees
# a DynamoDB API call.
_default_bus(rule) if {
	not rule.unknown.event_bus_name
	object.get(rule.after, "event_bus_name", null) in {null, "default"}
}

_default_bus(rule) if endswith(rule.after.event_bus_name, ":event-bus/default")

# A target that names the rule: by reference, or by its known name.
# Looked up in sets built once: a scan of every target per rule made stacks with a rule and a target
# per service quadratic (wasm heap x3.4 per doubling of the plan; docs/benchmarks.md).
_targeted(address, _) if address in _targeted_addresses

_targeted(_, rule) if rule.after.name in _targeted_names

_targeted_addresses contains source.address if {
	some target in plan.of_type("aws_cloudwatch_event_target")
	some source in references.sources(target, ["rule"])
	source.kind == "resource"
}

_targeted_names contains target.after.rule if {
	some target in plan.of_type("aws_cloudwatch_event_target")
}

# A parsed event pattern matches a CloudTrail-recorded DynamoDB API call by that name, for every
# table: a pattern that also filters on other fields (requestParameters…) may miss some tables.
_pattern_matches(pattern, event) if {
	every key, _ in pattern {
		key in {"source", "detail-type", "detail", "account", "region"}
	}
	every key, _ in object.get(pattern, "detail", {}) {
		key in {"eventSource", "eventName"}
	}
	_field_allows(pattern, "source", "aws.dynamodb")
	_field_allows(pattern, "detail-type", "AWS API Call via CloudTrail")
	_field_allows(object.get(pattern, "detail", {}), "eventSource", "dynamodb.amazonaws.com")
	_field_allows(object.get(pattern, "detail", {}), "eventName", event)
}

# A field the pattern does not constrain matches anything; one it lists must hold a matcher that
# matches the value, with EventBridge's semantics: a string matches itself; a content filter
# (prefix, suffix, equals-ignore-case, wildcard, anything-but, exists) matches as documented in
# "Content filtering in Amazon EventBridge event patterns". A filter this model does not know
# (numeric, cidr, $or) matches nothing, so it never counts as an alert that could fire.
_field_allows(part, field, _) if not field in {key | some key, _ in part}

_field_allows(part, field, value) if {
	some matcher in part[field]
	_value_matches(matcher, value)
}

_value_matches(matcher, value) if matcher == value

_value_matches(matcher, value) if {
	is_object(matcher)
	count(matcher) == 1
	some operator, argument in matcher
	_filter_matches(operator, argument, value)
}

_positive_matches("prefix", argument, value) if {
	is_string(argument)
	startswith(value, argument)
}

_positive_matches("prefix", argument, value) if {
	is_string(argument["equals-ignore-case"])
	startswith(lower(value), lower(argument["equals-ignore-case"]))
}

_positive_matches("suffix", argument, value) if {
	is_string(argument)
	endswith(value, argument)
}

_positive_matches("suffix", argument, value) if {
	is_string(argument["equals-ignore-case"])
	endswith(lower(value), lower(argument["equals-ignore-case"]))
}

_positive_matches("equals-ignore-case", argument, value) if {
	is_string(argument)
	lower(argument) == lower(value)
}

# "*" matches any run of characters, "\\*" a literal star; nothing else is special.
_positive_matches("wildcard", argument, value) if {
	is_string(argument)
	glob.match(_wildcard_glob(argument), null, value)
}

_wildcard_glob(argument) := concat("*", [_glob_literal(replace(part, "\u001f", "*")) |
	some part in split(replace(argument, `\*`, "\u001f"), "*")
])

# A glob matching the text literally (glob.quote_meta is not in the wasm runtime).
_glob_literal(text) := strings.replace_n(
	{"\\": "\\\\", "*": "\\*", "?": "\\?", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}"},
	text,
)

_filter_matches(operator, argument, value) if _positive_matches(operator, argument, value)

_filter_matches("anything-but", argument, value) if {
	is_string(argument)
	argument != value
}

_filter_matches("anything-but", argument, value) if {
	is_array(argument)
	not value in argument
}

_filter_matches("anything-but", argument, value) if {
	is_object(argument)
	count(argument) == 1
	some operator, inner in argument
	operator in {"prefix", "suffix", "equals-ignore-case", "wildcard"}
	not _any_positive_matches(operator, inner, value)
}

# The CloudTrail fields read here are always present in the event.
_filter_matches("exists", true, _)

_any_positive_matches(operator, argument, value) if {
	is_array(argument)
	some one in argument
	_positive_matches(operator, one, value)
}

_any_positive_matches(operator, argument, value) if {
	not is_array(argument)
	_positive_matches(operator, argument, value)
}

# The DynamoDB events of the candidates each routed rule matches: rule address -> events.
routed_events(candidates) := {address: events |
	some address, pattern in _routed_rules
	events := {event | some event in candidates; _pattern_matches(pattern, event)}
	count(events) > 0
}

# The events of watched (rule address -> events) that rules of the table's account match.
events_in_account(watched, table, mode) := {event |
	some address, events in watched
	in_account({address}, table, mode)
	some event in events
}

# The DynamoDB events of the candidates that alarmed log metric filters count for every table:
# filter address -> events.
alarmed_events(candidates) := {address: events |
	some address, filter in alarmed_filters
	count(filter.tables) == 0
	events := filter.names & candidates
	count(events) > 0
}

# Rules whose event pattern is only known after apply and that may be of the table's account.
unknown_rules_for(table) := {evidence |
	some address, evidence in _unknown_rules
	in_account({address}, table, "maybe")
}

# Tables grouped by what decides their account: rules whose answer depends on the table's account
# only ask once per group (the tables of a plan are mostly in one or two accounts).
table_groups[_account_key(table)] contains address if some address, table in tables

_account_key(resource) := [key, account_scope(resource)] if {
	key := reach.provider_key(resource)
} else := [null, account_scope(resource)]

# Whether AWS Config rule results of the table's account reach someone: a delivery channel that
# notifies an SNS topic, or an enabled, targeted EventBridge rule on "Config Rules Compliance Change"
# events. Without either, a rule records compliance that nobody hears of.
config_results_delivered(table, mode) if {
	some address, channel in plan.of_type("aws_config_delivery_channel")
	_notifies(channel)
	in_account({address}, table, mode)
}

config_results_delivered(table, mode) if {
	some address, pattern in _routed_rules
	every key, _ in pattern {
		key in {"source", "detail-type", "detail", "account", "region"}
	}
	every key, _ in object.get(pattern, "detail", {}) {
		key == "messageType"
	}
	_field_allows(pattern, "source", "aws.config")
	_field_allows(pattern, "detail-type", "Config Rules Compliance Change")
	_field_allows(object.get(pattern, "detail", {}), "messageType", "ComplianceChangeNotification")
	in_account({address}, table, mode)
}

_notifies(channel) if channel.unknown.sns_topic_arn == true

_notifies(channel) if {
	is_string(channel.after.sns_topic_arn)
	channel.after.sns_topic_arn != ""
}

# AWS Config managed rules by source identifier: identifier -> rule addresses.
config_rules[rule.after.source[0].source_identifier] contains address if {
	some address, rule in plan.of_type("aws_config_config_rule")
	rule.after.source[0].owner == "AWS"
}
