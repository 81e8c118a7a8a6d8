package ddb_guardrails.lib.iam.conditions_test

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.conditions as iam_conditions

statement(principal, condition) := iam.json_statement({
	"Effect": "Allow", "Principal": principal, "Action": "dynamodb:GetItem", "Resource": "*",
	"Condition": condition,
})

test_source_account_narrows_only_service_principals if {
	condition := {"StringEquals": {"aws:SourceAccount": "111122223333"}}
	iam_conditions.narrows_caller(statement({"Service": "pipes.amazonaws.com"}, condition))
	not iam_conditions.narrows_caller(statement("*", condition))
	not iam_conditions.narrows_caller(statement({"Service": "pipes.amazonaws.com", "AWS": "*"}, condition))
}

test_wildcard_values_narrow_only_with_the_account_written_out if {
	iam_conditions.narrows_caller(statement("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}))
	not iam_conditions.narrows_caller(statement("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1111222233?3:role/*"}}))
	not iam_conditions.narrows_caller(statement("*", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}))
	iam_conditions.narrows_caller(statement("*", {"StringEquals": {"aws:PrincipalOrgID": "o-*"}}))
	not iam_conditions.narrows_caller(statement("*", {"StringEquals": {"aws:PrincipalAccount": ["111122223333", "${aws:PrincipalAccount}"]}}))
	not iam_conditions.narrows_caller(statement("*", {"StringEquals": {"aws:PrincipalAccount": []}}))
}

test_narrowing_values_known_only_after_apply_name_a_resource if {
	unknown := object.union(statement("*", {}), {"conditions": [{"operator": "stringequals", "key": "aws:sourcevpce", "values": [], "known": false}]})
	iam_conditions.narrows_caller(unknown)
	iam_conditions.describe_conditions(unknown) == "Condition stringequals aws:sourcevpce (known after apply)"
}

test_endpoint_policies_are_narrowed_by_the_caller_or_the_tables_account_not_the_vpc if {
	iam_conditions.narrows_endpoint_use(statement("*", {"StringEquals": {"aws:ResourceAccount": "111122223333"}}))
	not iam_conditions.narrows_endpoint_use(statement("*", {"StringEquals": {"aws:SourceVpce": "vpce-1"}}))
}

identity := {"kind": "identity", "holder_type": "aws_iam_policy"}

leading_keys(operator, values) := iam.json_statement({
	"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
	"Condition": {operator: {"dynamodb:LeadingKeys": values}},
})

test_string_like_binds_only_without_wildcards_outside_the_variables if {
	iam_conditions._leading_keys_bound(identity, leading_keys("ForAllValues:StringLike", ["${aws:username}${*}"]))
	iam_conditions._leading_keys_bound(identity, leading_keys("ForAllValues:StringLike", ["t#${aws:PrincipalTag/tenant}#x"]))
	not iam_conditions._leading_keys_bound(identity, leading_keys("ForAllValues:StringLike", ["${aws:username}-${aws:SourceIp}?"]))
	not iam_conditions._leading_keys_bound(identity, leading_keys("ForAllValues:StringLike", ["?${aws:username}"]))
	not iam_conditions._leading_keys_bound(identity, leading_keys("ForAllValues:StringEqualsIfExists", ["${aws:username}"]))
}
