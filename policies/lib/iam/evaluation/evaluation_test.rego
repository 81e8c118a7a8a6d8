package ddb_guardrails.lib.iam.evaluation_test

import rego.v1

import data.ddb_guardrails.lib.iam.evaluation

table := "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions"

tenant := {"arn": "arn:aws:iam::111122223333:role/tenant-api", "account": "111122223333", "type": "AWS", "tags": {"tenant": "t1"}}

outsider := {"arn": "arn:aws:iam::999999999999:role/x", "account": "999999999999", "type": "AWS", "tags": {}}

anonymous := {"arn": "", "account": "", "type": "Anonymous", "tags": {}}

request(principal, action, context) := {"principal": principal, "action": action, "resource": table, "context": context}

doc(statements) := {"Version": "2012-10-17", "Statement": statements}

allow(action, resource) := {"Effect": "Allow", "Action": action, "Resource": resource}

allow_if(action, condition) := {"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}

identity(statements) := {"identity": [doc(statements)], "resource_account": "111122223333"}

# The decision for a tenant request with one identity statement allowing GetItem under a condition.
with_condition(condition, context) := evaluation._decision(
	request(tenant, "dynamodb:GetItem", context),
	identity([allow_if("dynamodb:GetItem", condition)]),
)

# --- the evaluation logic ---

test_no_statement_is_an_implicit_deny if {
	evaluation._decision(request(tenant, "dynamodb:GetItem", {}), identity([])) == "ImplicitDeny"
}

test_identity_allow_in_the_same_account_allows if {
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), identity([allow("dynamodb:GetItem", table)]))
}

test_explicit_deny_wins_over_allow if {
	evaluation._decision(
		request(tenant, "dynamodb:Scan", {}),
		identity([allow("dynamodb:*", "*"), {"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": table}]),
	) == "ExplicitDeny"
}

test_deny_on_another_table_is_a_decoy if {
	evaluation.allowed(
		request(tenant, "dynamodb:Scan", {}),
		identity([allow("dynamodb:*", "*"), {"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/other"}]),
	)
}

test_deny_with_a_condition_the_caller_does_not_meet_is_a_decoy if {
	evaluation.allowed(
		request(tenant, "dynamodb:Scan", {}),
		identity([
			allow("dynamodb:*", "*"),
			{"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ops"}}},
		]),
	)
}

test_actions_match_case_insensitively_with_wildcards if {
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), identity([allow("DynamoDB:Get*", table)]))
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), identity([allow("dynamodb:?etItem", table)]))
	not evaluation.allowed(request(tenant, "dynamodb:GetItems", {}), identity([allow("dynamodb:?etItem", table)]))
}

test_resources_match_case_sensitively_with_wildcards if {
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), identity([allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/*")]))
	not evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), identity([allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/Sessions")]))
}

test_not_action_allows_everything_it_does_not_list if {
	policies := identity([{"Effect": "Allow", "NotAction": "dynamodb:Scan", "Resource": "*"}])
	evaluation.allowed(request(tenant, "dynamodb:DeleteTable", {}), policies)
	not evaluation.allowed(request(tenant, "dynamodb:Scan", {}), policies)
}

test_not_resource_allows_every_other_resource if {
	policies := identity([{"Effect": "Allow", "Action": "dynamodb:*", "NotResource": "arn:aws:dynamodb:*:*:table/other"}])
	evaluation.allowed(request(tenant, "dynamodb:Scan", {}), policies)
}

test_normalised_documents_are_read_as_written if {
	statement := {
		"effect": "Allow",
		"actions": {"kind": "Action", "patterns": ["dynamodb:getitem"]},
		"resources": {"kind": "Resource", "values": [table], "known": true},
		"principals": {"kind": "none", "values": set(), "known": true},
		"conditions": [],
	}
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), {"identity": [{"statements": [statement]}], "resource_account": "111122223333"})
}

# --- accounts, resource policies, boundaries, endpoints ---

resource_allow(principal) := {"Effect": "Allow", "Principal": principal, "Action": "dynamodb:GetItem", "Resource": table}

test_cross_account_needs_both_identity_and_resource_policy if {
	get := request(outsider, "dynamodb:GetItem", {})
	own := [doc([allow("dynamodb:GetItem", "*")])]
	not evaluation.allowed(get, {"identity": own, "resource_account": "111122223333"})
	theirs := [doc([resource_allow({"AWS": "999999999999"})])]
	not evaluation.allowed(get, {"identity": [], "resource": theirs, "resource_account": "111122223333"})
	evaluation.allowed(get, {"identity": own, "resource": theirs, "resource_account": "111122223333"})
}

test_same_account_resource_policy_naming_the_principal_is_enough if {
	evaluation.allowed(
		request(tenant, "dynamodb:GetItem", {}),
		{"identity": [], "resource": [doc([resource_allow({"AWS": tenant.arn})])], "resource_account": "111122223333"},
	)
}

test_same_account_resource_policy_naming_the_account_delegates_to_iam if {
	not evaluation.allowed(
		request(tenant, "dynamodb:GetItem", {}),
		{"identity": [], "resource": [doc([resource_allow({"AWS": "arn:aws:iam::111122223333:root"})])], "resource_account": "111122223333"},
	)
}

test_resource_policy_for_anyone_admits_the_anonymous_caller if {
	evaluation.allowed(request(anonymous, "dynamodb:GetItem", {}), {"resource": [doc([resource_allow("*")])], "resource_account": "111122223333"})
	account_only := {"resource": [doc([resource_allow({"AWS": "111122223333"})])], "resource_account": "111122223333"}
	not evaluation.allowed(request(anonymous, "dynamodb:GetItem", {}), account_only)
}

test_not_principal_admits_everyone_it_does_not_name if {
	statement := {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:role/y"}, "Action": "dynamodb:GetItem", "Resource": table}
	policies := {"identity": [doc([allow("dynamodb:*", "*")])], "resource": [doc([statement])], "resource_account": "111122223333"}
	evaluation.allowed(request(outsider, "dynamodb:GetItem", {}), policies)
}

test_resource_policy_deny_applies_only_to_the_principals_it_names if {
	deny := {"Effect": "Deny", "Principal": {"AWS": outsider.arn}, "Action": "dynamodb:*", "Resource": "*"}
	policies := {"identity": [doc([allow("dynamodb:*", "*")])], "resource": [doc([deny])], "resource_account": "111122223333"}
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), policies)
	evaluation._decision(request(outsider, "dynamodb:GetItem", {}), policies) == "ExplicitDeny"
}

test_permissions_boundary_limits_the_identity_policy if {
	policies := {
		"identity": [doc([allow("dynamodb:*", "*")])],
		"boundary": [doc([allow("dynamodb:GetItem", "*")])],
		"resource_account": "111122223333",
	}
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), policies)
	evaluation._decision(request(tenant, "dynamodb:Scan", {}), policies) == "ImplicitDeny"
}

test_resource_policy_naming_the_principal_passes_the_boundary if {
	policies := {
		"identity": [],
		"boundary": [doc([allow("s3:*", "*")])],
		"resource": [doc([resource_allow({"AWS": tenant.arn})])],
		"resource_account": "111122223333",
	}
	evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), policies)
	not evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), object.union(policies, {"resource": [doc([resource_allow("*")])]}))
}

test_endpoint_policy_must_allow_when_present if {
	get := request(tenant, "dynamodb:GetItem", {})
	base := identity([allow("dynamodb:*", "*")])
	evaluation.allowed(get, base)
	not evaluation.allowed(get, object.union(base, {"endpoint": [doc([{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:Query", "Resource": "*"}])]}))
	evaluation.allowed(get, object.union(base, {"endpoint": [doc([{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}])]}))
}

test_assumed_role_session_matches_its_role if {
	session := object.union(tenant, {"arn": "arn:aws:sts::111122223333:assumed-role/tenant-api/s1"})
	evaluation.allowed(
		request(session, "dynamodb:GetItem", {}),
		{"identity": [], "resource": [doc([resource_allow({"AWS": tenant.arn})])], "resource_account": "111122223333"},
	)
}

# --- condition operators: truth tables ---

test_string_operators if {
	with_condition({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-1"}) == "Allow"
	with_condition({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-2"}) == "ImplicitDeny"
	with_condition({"StringEquals": {"aws:SourceVpce": ["vpce-2", "vpce-1"]}}, {"aws:SourceVpce": "vpce-1"}) == "Allow"
	with_condition({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {}) == "ImplicitDeny"
	with_condition({"StringEqualsIgnoreCase": {"aws:SourceVpce": "VPCE-1"}}, {"aws:sourcevpce": "vpce-1"}) == "Allow"
	with_condition({"StringLike": {"aws:SourceVpce": "vpce-*"}}, {"aws:SourceVpce": "vpce-9"}) == "Allow"
	with_condition({"StringLike": {"aws:SourceVpce": "vpce-?"}}, {"aws:SourceVpce": "vpce-10"}) == "ImplicitDeny"
}

test_negated_operators_hold_when_the_key_is_absent if {
	with_condition({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, {}) == "Allow"
	with_condition({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-1"}) == "ImplicitDeny"
	with_condition({"StringNotLike": {"aws:SourceVpce": ["vpce-1*", "vpce-2"]}}, {"aws:SourceVpce": "vpce-3"}) == "Allow"
	with_condition({"StringNotLike": {"aws:SourceVpce": ["vpce-1*", "vpce-2"]}}, {"aws:SourceVpce": "vpce-2"}) == "ImplicitDeny"
	with_condition({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::b"}}, {}) == "Allow"
}

test_if_exists_holds_when_the_key_is_absent if {
	with_condition({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, {}) == "Allow"
	with_condition({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-2"}) == "ImplicitDeny"
}

test_for_all_values_is_vacuous_on_an_absent_or_empty_key if {
	with_condition({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "t1"}}, {}) == "Allow"
	with_condition({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "t1"}}, {"dynamodb:LeadingKeys": []}) == "Allow"
	with_condition({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "t1"}}, {"dynamodb:LeadingKeys": ["t1"]}) == "Allow"
	with_condition({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "t1"}}, {"dynamodb:LeadingKeys": ["t1", "t2"]}) == "ImplicitDeny"
}

test_for_any_value_needs_a_value if {
	with_condition({"ForAnyValue:StringEquals": {"dynamodb:Attributes": "isAdmin"}}, {}) == "ImplicitDeny"
	with_condition({"ForAnyValue:StringEquals": {"dynamodb:Attributes": "isAdmin"}}, {"dynamodb:Attributes": ["name", "isAdmin"]}) == "Allow"
	with_condition({"ForAnyValue:StringEquals": {"dynamodb:Attributes": "isAdmin"}}, {"dynamodb:Attributes": ["name"]}) == "ImplicitDeny"
	with_condition({"ForAnyValue:StringNotEquals": {"dynamodb:Attributes": "isAdmin"}}, {"dynamodb:Attributes": ["name", "isAdmin"]}) == "Allow"
	with_condition({"ForAllValues:StringNotEquals": {"dynamodb:Attributes": "isAdmin"}}, {"dynamodb:Attributes": ["name", "isAdmin"]}) == "ImplicitDeny"
}

test_null_operator if {
	with_condition({"Null": {"aws:SourceVpce": "true"}}, {}) == "Allow"
	with_condition({"Null": {"aws:SourceVpce": true}}, {"aws:SourceVpce": "vpce-1"}) == "ImplicitDeny"
	with_condition({"Null": {"aws:SourceVpce": "false"}}, {"aws:SourceVpce": "vpce-1"}) == "Allow"
	with_condition({"Null": {"aws:SourceVpce": "false"}}, {}) == "ImplicitDeny"
}

test_bool_operator if {
	with_condition({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": true}) == "Allow"
	with_condition({"Bool": {"aws:SecureTransport": true}}, {"aws:SecureTransport": "false"}) == "ImplicitDeny"
	with_condition({"BoolIfExists": {"dynamodb:FullTableScan": "false"}}, {}) == "Allow"
}

test_numeric_operators if {
	with_condition({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}) == "Allow"
	with_condition({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}) == "ImplicitDeny"
	with_condition({"NumericGreaterThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}) == "Allow"
	with_condition({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}) == "ImplicitDeny"
	with_condition({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"}) == "ImplicitDeny"
}

test_date_operators if {
	with_condition({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2026-12-06T20:00:00Z"}) == "Allow"
	with_condition({"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2026-12-06T20:00:00Z"}) == "ImplicitDeny"
	with_condition({"DateGreaterThanEquals": {"aws:EpochTime": "100"}}, {"aws:EpochTime": "100"}) == "Allow"
}

test_ip_address_operators if {
	with_condition({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}) == "Allow"
	with_condition({"IpAddress": {"aws:SourceIp": "10.0.0.1"}}, {"aws:SourceIp": "10.0.0.2"}) == "ImplicitDeny"
	with_condition({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "192.0.2.1"}) == "Allow"
	with_condition({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.0.0.1"}) == "ImplicitDeny"
}

test_arn_operators_match_field_by_field if {
	with_condition({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/tenant-*"}}, {}) == "Allow"
	with_condition({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/other"}}, {}) == "ImplicitDeny"
	with_condition({"ArnLike": {"aws:SourceArn": "arn:aws:s3:*"}}, {"aws:SourceArn": "arn:aws:s3:::bucket"}) == "ImplicitDeny"
}

test_multiple_keys_and_multiple_operators_must_all_hold if {
	condition := {"StringEquals": {"aws:SourceVpce": "vpce-1", "aws:PrincipalAccount": "111122223333"}, "Bool": {"aws:SecureTransport": "true"}}
	with_condition(condition, {"aws:SourceVpce": "vpce-1", "aws:SecureTransport": "true"}) == "Allow"
	with_condition(condition, {"aws:SourceVpce": "vpce-1"}) == "ImplicitDeny"
}

test_context_keys_are_case_insensitive if {
	with_condition({"StringEquals": {"AWS:SOURCEVPCE": "vpce-1"}}, {"aws:sourceVpce": "vpce-1"}) == "Allow"
}

test_unknown_operator_matches_nothing if {
	with_condition({"StringSortOf": {"aws:SourceVpce": "vpce-1"}}, {"aws:SourceVpce": "vpce-1"}) == "ImplicitDeny"
}

# --- policy variables ---

leading(value) := {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": value}}

test_principal_tag_variable_binds_the_caller if {
	with_condition(leading("${aws:PrincipalTag/tenant}"), {"dynamodb:LeadingKeys": ["t1"]}) == "Allow"
	with_condition(leading("${aws:PrincipalTag/tenant}"), {"dynamodb:LeadingKeys": ["t2"]}) == "ImplicitDeny"
}

test_unresolvable_variable_matches_nothing if {
	untagged := object.union(object.remove(tenant, ["tags"]), {"tags": {}})
	policies := identity([allow_if("dynamodb:GetItem", leading("${aws:PrincipalTag/tenant}"))])
	not evaluation.allowed(request(untagged, "dynamodb:GetItem", {"dynamodb:LeadingKeys": ["t1"]}), policies)
	not evaluation.allowed(request(tenant, "dynamodb:GetItem", {}), identity([allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/${aws:username}")]))
}

# The value is null, not the condition: ForAllValues still holds when the request has no such key.
test_unresolvable_variable_leaves_for_all_values_vacuous if {
	untagged := object.union(object.remove(tenant, ["tags"]), {"tags": {}})
	policies := identity([allow_if("dynamodb:GetItem", leading("${aws:PrincipalTag/tenant}"))])
	evaluation.allowed(request(untagged, "dynamodb:GetItem", {}), policies)
}

# A null value has no "not equal" either: a negated operator comparing it fails.
test_unresolvable_variable_fails_a_negated_operator if {
	with_condition({"StringNotEquals": {"aws:SourceVpce": "${aws:PrincipalTag/missing}"}}, {"aws:SourceVpce": "vpce-1"}) == "ImplicitDeny"
	with_condition({"StringNotEquals": {"aws:SourceVpce": "vpce-2"}}, {"aws:SourceVpce": "vpce-1"}) == "Allow"
}

# Multivalued keys need a set operator: a plain operator, negated or ...IfExists, on a key the
# request gives as a list matches nothing.
test_plain_operator_on_a_multivalued_key_matches_nothing if {
	with_condition({"StringEquals": {"dynamodb:LeadingKeys": "t1"}}, {"dynamodb:LeadingKeys": ["t1"]}) == "ImplicitDeny"
	with_condition({"StringNotEquals": {"dynamodb:LeadingKeys": "t2"}}, {"dynamodb:LeadingKeys": ["t1"]}) == "ImplicitDeny"
	with_condition({"StringEqualsIfExists": {"dynamodb:LeadingKeys": "t1"}}, {"dynamodb:LeadingKeys": ["t1"]}) == "ImplicitDeny"
	with_condition({"StringEquals": {"dynamodb:Select": "COUNT"}}, {"dynamodb:Select": "COUNT"}) == "Allow"
}

test_variable_default_applies_when_the_key_is_absent if {
	untagged := object.union(object.remove(tenant, ["tags"]), {"tags": {}})
	policies := identity([allow_if("dynamodb:GetItem", leading("${aws:PrincipalTag/tenant, 'acme'}"))])
	evaluation.allowed(request(untagged, "dynamodb:GetItem", {"dynamodb:LeadingKeys": ["acme"]}), policies)
	not evaluation.allowed(request(tenant, "dynamodb:GetItem", {"dynamodb:LeadingKeys": ["acme"]}), policies)
}

test_username_variable_in_a_resource if {
	user := {"arn": "arn:aws:iam::111122223333:user/sessions", "account": "111122223333", "type": "AWS", "tags": {}}
	evaluation.allowed(request(user, "dynamodb:GetItem", {}), identity([allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/${aws:username}")]))
}

test_principal_account_variable_resolves if {
	with_condition({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}, {}) == "Allow"
}

test_escaped_characters_and_unclosed_variables if {
	with_condition({"StringEquals": {"aws:SourceVpce": "a${*}b${$}"}}, {"aws:SourceVpce": "a*b$"}) == "Allow"
	with_condition({"StringEquals": {"aws:SourceVpce": "a${b"}}, {"aws:SourceVpce": "a${b"}) == "Allow"
}

# --- documented cases the differential test against iam-simulate found ---

key := "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

user := {"arn": "arn:aws:iam::111122223333:user/carol", "account": "111122223333", "type": "AWS", "tags": {}}

test_kms_needs_the_key_policy_not_the_identity_policy_alone if {
	decrypt := {"principal": tenant, "action": "kms:Decrypt", "resource": key, "context": {}}
	evaluation._decision(decrypt, identity([allow("kms:Decrypt", key)])) == "ImplicitDeny"
	delegating := {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
	evaluation.allowed(decrypt, object.union(identity([allow("kms:Decrypt", key)]), {"resource": [doc([delegating])]}))
	evaluation._decision(decrypt, {"identity": [], "resource": [doc([delegating])], "resource_account": "111122223333"}) == "ImplicitDeny"
}

test_a_resource_policy_for_anyone_reaches_an_iam_user_past_its_boundary if {
	get := {"principal": user, "action": "dynamodb:GetItem", "resource": table, "context": {}}
	anyone := {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": table}
	bounded := {"identity": [], "boundary": [doc([allow("s3:GetObject", "*")])], "resource": [doc([anyone])], "resource_account": "111122223333"}
	evaluation.allowed(get, bounded)
	session := object.union(get, {"principal": tenant})
	evaluation._decision(session, bounded) == "ImplicitDeny"
}
