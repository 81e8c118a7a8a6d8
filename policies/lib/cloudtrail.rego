# METADATA
# title: CloudTrail
# description: >-
#   What the plan's trails record and deliver: their DynamoDB data-event selectors (basic and
#   advanced) as matchers over the plan's tables, the Region and account each trail records, and
#   delivery to CloudWatch Logs, which decides whether a log metric filter can count a table's
#   events at all (DDB-AUD-001, DDB-AUD-004, DDB-AUD-006).
package ddb_guardrails.lib.cloudtrail

import rego.v1

import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.monitoring
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

_table_type := "AWS::DynamoDB::Table"

both := {"read", "write"}

universal_selectors contains selector if {
	some selector in selectors
	selector.positive == null
	count(selector.negative) == 0
}

conditional_selectors := selectors - universal_selectors

everywhere_modes[monitoring.account_scope(plan.resources[selector.trail])] contains mode if {
	some selector in universal_selectors
	active(selector.trail)
	_multi_region(selector.trail)
	some mode in selector.modes
}

scoped_modes[scope] contains mode if {
	some selector in universal_selectors
	active(selector.trail)
	not _multi_region(selector.trail)
	some scope in account_region_scopes(plan.resources[selector.trail])
	some mode in selector.modes
}

# A single-Region trail records the events of its own Region only: a trail and a table are in one
# Region when they share a provider configuration, or their providers name the same Region.
records_region_of(trail, _) if _multi_region(trail)

records_region_of(trail, table) if {
	some scope in _region_scopes(plan.resources[trail])
	scope in _region_scopes(table)
}

_multi_region(trail) if plan.resources[trail].after.is_multi_region_trail == true

_region_scopes(resource) := {concat("", ["provider ", key]) | key := reach.provider_key(resource)} | {concat("", ["region ", region]) |
	region := provider_region(resource)
}

# The Regions of one account: a provider configuration, or a Region with the account.
account_region_scopes(resource) := {concat("", ["provider ", key]) | key := reach.provider_key(resource)} | {scope |
	region := provider_region(resource)
	scope := sprintf("region %s of %s", [region, monitoring.account_scope(resource)])
}

# A trail records its own account only. An organization trail records its organisation's member
# accounts too, which the plan does not list: a table of another account is then unprovable.
records_of(trail, table) if {
	records_region_of(trail, table)
	monitoring.one_account(plan.resources[trail], table)
}

organization_trail(trail) if plan.resources[trail].after.is_organization_trail == true

# The trail surely does not record the table's account.
outside_account(trail, table) if {
	monitoring.other_account(plan.resources[trail], table)
	not organization_trail(trail)
}

# Whether the trail records the table's account cannot be told before apply.
account_unknown(trail, table) if {
	not monitoring.one_account(plan.resources[trail], table)
	not outside_account(trail, table)
}

provider_region(resource) := region if {
	region := input.configuration.provider_config[reach.provider_key(resource)].expressions.region.constant_value
	is_string(region)
}

# Regions that are both known and differ: the trail does not record the table.
other_region(trail, table) if {
	not records_region_of(trail, table)
	provider_region(plan.resources[trail])
	provider_region(table)
}

region_unknown(trail, table) if {
	not records_region_of(trail, table)
	not other_region(trail, table)
}

pending(trail) := sprintf("%s: enable_logging is only known after apply", [trail])

active(trail) if {
	resource := plan.resources[trail]
	not resource.unknown.enable_logging == true
	not resource.after.enable_logging == false
}

inactive(trail) if plan.resources[trail].after.enable_logging == false

# A selector covers a table when one of its positive conditions (or none: every table) selects it
# and none of its negative conditions does.
covers(selector, table) if {
	_positive_match(selector, table)
	not _negative_match(selector, table)
}

_positive_match(selector, _) if selector.positive == null

_positive_match(selector, table) if {
	some matcher in selector.positive
	_dynamodb_matcher(matcher)
	_matches(matcher, table)
}

# A literal selects a table only when it can be a DynamoDB ARN: "arn:aws:s3:::x:table/<name>" or a
# prefix "arn:aws:s3:::" selects no table.
_dynamodb_matcher(matcher) if matcher.kind == "table"

_dynamodb_matcher(matcher) if {
	matcher.kind == "literal"
	regex.match(`^arn:aws[a-z-]*:dynamodb(:|$)`, matcher.value)
}

_dynamodb_matcher(matcher) if {
	matcher.kind == "literal"
	matcher.op == "starts_with"
	some prefix in ["arn:aws:dynamodb:", "arn:aws-cn:dynamodb:", "arn:aws-us-gov:dynamodb:"]
	startswith(prefix, matcher.value)
}

_dynamodb_matcher(matcher) if {
	matcher.kind == "literal"
	matcher.op == "ends_with"
}

_negative_match(selector, table) if {
	some matcher in selector.negative
	_matches(matcher, table)
}

_matches(matcher, table) if {
	matcher.kind == "table"
	matcher.address == table.address
}

_matches(matcher, table) if {
	matcher.kind == "literal"
	_literal_matches(matcher.op, matcher.value, table)
}

# Literal ARN conditions against a table whose ARN is usually unknown before apply: compared with
# the known ARN when there is one, else with the ":table/<name>" part.
_literal_matches("all", value, _) if regex.match(`^arn:aws[a-z-]*:dynamodb$`, value)

_literal_matches(op, value, table) if {
	op in {"all", "equals"}
	value == table.after.arn
}

_literal_matches(op, value, table) if {
	op in {"all", "equals"}
	endswith(value, _table_suffix(table))
}

_literal_matches("starts_with", value, table) if startswith(table.after.arn, value)

_literal_matches("starts_with", value, table) if {
	parts := split(value, ":table/")
	count(parts) == 2
	startswith(_table_suffix(table), concat("", [":table/", parts[1]]))
}

# A prefix that stops before the table part ("arn:aws:dynamodb:eu-west-1:") selects every table.
_literal_matches("starts_with", value, _) if {
	startswith(value, "arn:")
	not contains(value, ":table/")
}

_literal_matches("ends_with", value, table) if endswith(_table_suffix(table), value)

_table_suffix(table) := concat("", [":table/", table.after.name])

# Every data-event selector of the plan's trails, normalised:
#   {"trail", "label", "modes": set, "positive": [matcher] | null, "negative": [matcher], "unprovable": set}
selectors contains selector if {
	some trail, resource in plan.of_type("aws_cloudtrail")
	some i, block in object.get(resource.after, "event_selector", [])
	not object.get(resource.unknown, ["event_selector", i, "read_write_type"], false) == true
	some j, data_resource in object.get(block, "data_resource", [])
	data_resource.type == _table_type
	label := sprintf("event_selector[%d].data_resource[%d]", [i, j])
	values := _basic_values(resource, i, j)
	selector := {
		"trail": trail,
		"label": label,
		"modes": _basic_modes(block),
		"positive": values.matchers,
		"negative": [],
		"unprovable": {sprintf("%s %s.values %s", [trail, label, e]) | some e in values.unprovable},
	}
}

selectors contains selector if {
	some trail, resource in plan.of_type("aws_cloudtrail")
	some i, block in object.get(resource.after, "advanced_event_selector", [])
	fields := _advanced_fields(resource, i)
	not _unknown_selector_fields(fields)
	fields.eventCategory.equals == ["Data"]
	_table_type in fields["resources.type"].equals
	_passes(fields["resources.type"], _table_type)
	not _event_name_allow_list(fields)
	not _leaves_out_events(fields)
	label := sprintf("advanced_event_selector[%d]", [i])
	positive := _arn_conditions(resource, i, fields, ["equals", "starts_with", "ends_with"])
	negative := _arn_conditions(resource, i, fields, ["not_equals", "not_starts_with", "not_ends_with"])
	selector := {
		"trail": trail,
		"label": label,
		"modes": _advanced_modes(fields),
		"positive": _positive_or_any(positive),
		"negative": negative.matchers,
		"unprovable": {sprintf("%s %s resources.ARN %s", [trail, label, e]) | some e in (positive.unprovable | negative.unprovable)},
	}
}

# Selectors whose content is only known after apply: they might select any table.
selectors contains selector if {
	some trail, resource in plan.of_type("aws_cloudtrail")
	some attribute in ["event_selector", "advanced_event_selector"]
	_unknown_block(resource, attribute)
	selector := {
		"trail": trail,
		"label": attribute,
		"modes": set(),
		"positive": [],
		"negative": [],
		"unprovable": {sprintf("%s %s: (known after apply)", [trail, attribute])},
	}
}

_unknown_block(resource, attribute) if resource.unknown[attribute] == true

_unknown_block(resource, attribute) if {
	some block in resource.unknown[attribute]
	some key in {"read_write_type", "field_selector", "data_resource"}
	block[key] == true
}

_unknown_block(resource, "event_selector") if {
	some block in resource.unknown.event_selector
	some data_resource in object.get(block, "data_resource", [])
	data_resource.type == true
}

_unknown_block(resource, "advanced_event_selector") if {
	some i, block in resource.unknown.advanced_event_selector
	some field in object.get(block, "field_selector", [])
	field.field == true
}

_unknown_block(resource, "advanced_event_selector") if {
	some i, _ in object.get(resource.after, "advanced_event_selector", [])
	_unknown_selector_fields(_advanced_fields(resource, i))
}

# The field selectors of an advanced selector by field name, with `true` for an operator whose
# value list is only known after apply (after_unknown is aligned with after, element by element).
_advanced_fields(resource, i) := {field.field: merged |
	some k, field in object.get(resource.after.advanced_event_selector[i], "field_selector", [])
	unknown := object.get(resource.unknown, ["advanced_event_selector", i, "field_selector", k], {})
	merged := object.union(field, {op: true | some op, marker in unknown; marker == true})
}

# Unknown values of the fields that decide whether the selector records table data events at all.
_unknown_selector_fields(fields) if {
	some name in ["eventCategory", "resources.type", "readOnly", "eventName", "eventSource"]
	some values in fields[name]
	values == true
}

_basic_modes(block) := both if object.get(block, "read_write_type", "All") in {"All", null}

_basic_modes(block) := {"read"} if block.read_write_type == "ReadOnly"

_basic_modes(block) := {"write"} if block.read_write_type == "WriteOnly"

# {"matchers": [...], "unprovable": set}: literal values when known, else the references.
_basic_values(resource, i, j) := {"matchers": [{"kind": "literal", "op": "all", "value": v} | some v in values], "unprovable": set()} if {
	values := resource.after.event_selector[i].data_resource[j].values
	is_array(values)
}

_basic_values(resource, i, j) := _referenced(resource, plan.expression(resource, ["event_selector", i, "data_resource", j, "values"])) if {
	resource.unknown.event_selector[i].data_resource[j].values == true
}

# readOnly is "true" for reads and "false" for writes; its conditions are tried on both values.
_advanced_modes(fields) := {mode |
	some [mode, value] in [["read", "true"], ["write", "false"]]
	_passes(object.get(fields, "readOnly", {}), value)
}

# Fields a selector may carry and still record every table data event of every caller. Any other
# field (userIdentity.arn, eventType, sessionCredentialFromConsole, errorCode...) leaves out some
# calls, e.g. those of one role.
_recording_fields := {"eventCategory", "resources.type", "resources.ARN", "readOnly", "eventName", "eventSource"}

# The events CloudTrail records as DynamoDB table data events.
_table_data_events := {
	"BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "DeleteItem", "ExecuteStatement",
	"ExecuteTransaction", "GetItem", "PutItem", "Query", "Scan", "TransactGetItems",
	"TransactWriteItems", "UpdateItem",
}

_leaves_out_events(fields) if {
	some name, _ in fields
	not name in _recording_fields
}

_leaves_out_events(fields) if not _passes(object.get(fields, "eventSource", {}), "dynamodb.amazonaws.com")

_leaves_out_events(fields) if {
	some event in _table_data_events
	not _passes(object.get(fields, "eventName", {}), event)
}

# A value passes a field selector when every positive operator it uses lists a value that matches
# and no negative operator does. Negative operators are compared without case, so that an exclusion
# is never missed.
_passes(field, value) if {
	every op in ["equals", "starts_with", "ends_with"] {
		_positive_passes(object.get(field, op, []), op, value)
	}
	not _excluded(field, value)
}

_positive_passes(values, _, _) if count(values) == 0

_positive_passes(values, op, value) if {
	some pattern in values
	is_string(pattern)
	_operator_matches(op, pattern, value)
}

_excluded(field, value) if {
	some op in ["equals", "starts_with", "ends_with"]
	some pattern in object.get(field, concat("", ["not_", op]), [])
	is_string(pattern)
	_operator_matches(op, lower(pattern), lower(value))
}

_operator_matches("equals", pattern, value) if pattern == value

_operator_matches("starts_with", pattern, value) if startswith(value, pattern)

_operator_matches("ends_with", pattern, value) if endswith(value, pattern)

_event_name_allow_list(fields) if {
	some op in ["equals", "starts_with", "ends_with"]
	count(object.get(fields, ["eventName", op], [])) > 0
}

_positive_or_any(conditions) := null if {
	count(conditions.matchers) == 0
	count(conditions.unprovable) == 0
} else := conditions.matchers

# The resources.ARN conditions of an advanced selector for some operators.
_arn_conditions(resource, i, fields, ops) := {
	"matchers": [matcher | some result in results; some matcher in result.matchers],
	"unprovable": {e | some result in results; some e in result.unprovable},
} if {
	results := [_arn_condition(resource, i, fields, op) | some op in ops]
}

_arn_condition(_, _, fields, op) := {"matchers": [{"kind": "literal", "op": trim_prefix(op, "not_"), "value": v} | some v in values], "unprovable": set()} if {
	values := object.get(fields, ["resources.ARN", op], [])
	is_array(values)
}

_arn_condition(resource, i, fields, op) := _referenced(resource, _field_expression(resource, i, op)) if {
	fields["resources.ARN"][op] == true
}

# Terraform marks an unknown list of a set element; the configuration's field selector with the
# same field name holds its expression.
_field_expression(resource, i, op) := expression if {
	some k, field in plan.config(resource).expressions.advanced_event_selector[i].field_selector
	field.field.constant_value == "resources.ARN"
	expression := plan.expression(resource, ["advanced_event_selector", i, "field_selector", k, op])
}

# What an unknown table list references: tables of the plan, or something unresolvable.
_referenced(resource, expression) := {
	"matchers": [{"kind": "table", "address": source.address} | some source in sources; _table_source(source)],
	"unprovable": {sprintf("<- %s", [references.describe(source)]) | some source in sources; not _table_source(source)},
} if {
	sources := references.sources_of(resource, expression)
}

_table_source(source) if {
	source.kind == "resource"
	plan.resources[source.address].type == "aws_dynamodb_table"
}

# --- Delivery to CloudWatch Logs: what log metric filters can count (DDB-AUD-004, DDB-AUD-006) ---

# A log metric filter counts a table's events only when an enabled trail that records them delivers
# to its log group, in the table's account ("one") or an account that may be the table's ("maybe").
# `events` names what the filter counts: "read data events" (Scan) or "write management events"
# (ExportTableToPointInTime and the other changes to a table).
delivered(filter, table, mode, events) if {
	some trail in monitoring.delivering_trails(filter)
	active(trail)
	_records_account(trail, table, mode)
	_records_events(trail, table, events)
}

_records_account(trail, table, "one") if records_of(trail, table)

_records_account(trail, table, "maybe") if {
	records_region_of(trail, table)
	not outside_account(trail, table)
}

_records_events(trail, table, "read data events") if {
	some selector in selectors
	selector.trail == trail
	"read" in selector.modes
	covers(selector, table)
}

_records_events(trail, _, "write management events") if _management_writes(trail)

# The evidence for a filter that counts a table's events on a log group no such trail delivers to.
undelivered_evidence(filter, events) := sprintf("%s: no enabled trail that records this table's %s delivers to its log group", [filter, events])

# Why a trail delivering to the filter's log group may record the events after all, when its
# selectors or enable_logging cannot be read before apply (as for DDB-AUD-001).
delivery_uncertain(filter, table, events) := {evidence |
	not delivered(filter, table, "maybe", events)
	some trail in monitoring.delivering_trails(filter)
	some evidence in _trail_uncertain(trail, table, events)
}

_trail_uncertain(trail, table, events) := _recording_unknown(trail, table, events) | {pending(trail) |
	not active(trail)
	not inactive(trail)
}

_recording_unknown(trail, table, "read data events") := {evidence |
	some selector in selectors
	selector.trail == trail
	not covers(selector, table)
	some evidence in selector.unprovable
}

_recording_unknown(trail, _, "write management events") := {sprintf("%s %s: (known after apply)", [trail, attribute]) |
	some attribute in ["event_selector", "advanced_event_selector"]
	_unknown_block(plan.resources[trail], attribute)
}

# A trail records write management events (ExportTableToPointInTime, UpdateTable...) with no
# selector at all (CloudTrail's default); with an event_selector whose include_management_events is
# not false and whose read_write_type is All or WriteOnly; or with an advanced_event_selector on
# eventCategory = Management whose readOnly and eventSource let writes of dynamodb.amazonaws.com
# through and that has no other field. A trail has either kind of selector, never both.
_management_writes(trail) if {
	resource := plan.resources[trail]
	every attribute in ["event_selector", "advanced_event_selector"] {
		count(object.get(resource.after, attribute, [])) == 0
		not _unknown_block(resource, attribute)
	}
}

_management_writes(trail) if {
	resource := plan.resources[trail]
	some i, block in object.get(resource.after, "event_selector", [])
	every attribute in ["read_write_type", "include_management_events"] {
		not object.get(resource.unknown, ["event_selector", i, attribute], false) == true
	}
	object.get(block, "include_management_events", true) != false
	"write" in _basic_modes(block)
}

_management_writes(trail) if {
	resource := plan.resources[trail]
	some i, _ in object.get(resource.after, "advanced_event_selector", [])
	fields := _advanced_fields(resource, i)
	not _unknown_selector_fields(fields)
	fields.eventCategory.equals == ["Management"]
	"write" in _advanced_modes(fields)
	_passes(object.get(fields, "eventSource", {}), "dynamodb.amazonaws.com")
	every name, _ in fields {
		name in {"eventCategory", "readOnly", "eventSource"}
	}
}
