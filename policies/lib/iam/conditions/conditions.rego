# METADATA
# title: IAM condition semantics
# description: >-
#   What the conditions of a normalised statement (iam.rego) actually restrict, read as an attacker
#   would: whether they narrow who can call (not merely that a condition exists), whether
#   dynamodb:LeadingKeys binds each caller to its own partitions, and whether a PartiQL SELECT is
#   kept from reading the whole table.
package ddb_guardrails.lib.iam.conditions

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.params

# Keys that name the caller (account, organisation, ARN) or the network path it must come through.
_caller_keys := {"aws:principalaccount", "aws:principalorgid", "aws:principalarn", "aws:sourcevpce", "aws:sourcevpc"}

# Keys a service sets for the resource it acts for: they name the caller only for service principals.
_service_source_keys := {"aws:sourceaccount", "aws:sourcearn"}

# In an endpoint policy every request comes through the endpoint's own VPC, so aws:SourceVpc(e)
# narrows nothing there; what does is the caller, or the account or organisation of the table.
_endpoint_keys := {"aws:principalaccount", "aws:principalorgid", "aws:principalarn", "aws:resourceaccount", "aws:resourceorgid"}

# Positive single-value operators. In an Allow, set operators (ForAnyValue:/ForAllValues:, true
# when the key is absent or, for ForAnyValue, for any one of several values), negations (true for
# everyone else), Null and ...IfExists (true when the key is absent) narrow nothing.
positive_operators := {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}

# Operators that read * and ? as wildcards (ArnEquals matches per ARN component exactly as ArnLike).
_wildcard_operators := {"stringlike", "arnequals", "arnlike"}

# Policy variables that name the resource side: "aws:PrincipalAccount = ${aws:ResourceAccount}"
# pins the caller to the table's account. Any other variable may name the caller itself and so
# match every caller ("aws:PrincipalArn = ${aws:PrincipalArn}").
_resource_variables := {"${aws:resourceaccount}", "${aws:resourceorgid}"}

# A table (or stream, or index) resource policy statement: some condition narrows the caller.
narrows_caller(statement) if {
	some condition in statement.conditions
	_narrowing(condition, _resource_policy_keys(statement))
}

_resource_policy_keys(statement) := _caller_keys | _service_source_keys if _service_principals_only(statement)

_resource_policy_keys(statement) := _caller_keys if not _service_principals_only(statement)

_service_principals_only(statement) if {
	statement.principals.kind == "Principal"
	count(statement.principals.values) > 0
	every principal in statement.principals.values {
		startswith(principal, "Service:")
	}
}

# An endpoint policy statement: some condition narrows the caller or the tables it reaches.
narrows_endpoint_use(statement) if {
	some condition in statement.conditions
	_narrowing(condition, _endpoint_keys)
}

# One condition narrows the keys given: a positive operator, and every value names something
# specific. Values known only after apply come from a resource attribute of the plan (an id or
# an ARN), never from a wildcard, so they count as specific.
_narrowing(condition, keys) if {
	condition.key in keys
	condition.operator in positive_operators
	not condition.known
}

_narrowing(condition, keys) if {
	condition.key in keys
	condition.operator in positive_operators
	condition.known
	count(condition.values) > 0
	every value in condition.values {
		_specific(condition, value)
	}
}

_specific(condition, value) if {
	is_string(value)
	text := _without_resource_variables(value)
	not contains(text, "${")
	not _matches_broadly(condition, text)
}

_without_resource_variables(value) := lower(replace(replace(lower(value), "${aws:resourceaccount}", "000000000000"), "${aws:resourceorgid}", "o-resource"))

# A wildcard value matches broadly unless, for an ARN, its account field is written out.
_matches_broadly(condition, text) if {
	condition.operator in _wildcard_operators
	_has_wildcard(text)
	not _account_pinned(text)
}

_account_pinned(arn) if {
	parts := split(arn, ":")
	count(parts) >= 6
	parts[4] != ""
	not _has_wildcard(parts[4])
}

_has_wildcard(text) if contains(text, "*")

_has_wildcard(text) if contains(text, "?")

# Conditions as written, for evidence: "bool aws:SecureTransport [\"true\"]".
describe_conditions(statement) := "no Condition" if count(statement.conditions) == 0

describe_conditions(statement) := concat("", ["Condition ", concat("; ", [_describe_condition(condition) |
	some condition in statement.conditions
])]) if {
	count(statement.conditions) > 0
}

_describe_condition(condition) := sprintf("%s %s %s", [condition.operator, condition.key, json.marshal(condition.values)]) if condition.known

_describe_condition(condition) := sprintf("%s %s (known after apply)", [condition.operator, condition.key]) if not condition.known

# dynamodb:LeadingKeys binds the caller: a ForAllValues condition (LeadingKeys has a value per
# key in the request) whose every value either names the caller through a principal variable
# exactly, or is a literal partition of a statement that applies to one fixed principal.
# ForAnyValue: lets a request through when any one key matches, so it binds nothing.
_binding_operators := {"forallvalues:stringequals", "forallvalues:stringlike", "forallvalues:stringequalsignorecase"}

_leading_keys_bound(document, statement) if {
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
	condition.operator in _binding_operators
	condition.known
	count(condition.values) > 0
	every value in condition.values {
		_binds(document, statement, condition.operator, value)
	}
}

_binds(_, _, operator, value) if {
	is_string(value)
	_principal_variable_in(value)
	_exact(operator, value)
}

_binds(document, statement, operator, value) if {
	is_string(value)
	count(iam.variables_in(value)) == 0
	_exact(operator, value)
	one_fixed_principal(document, statement)
}

_principal_variable_in(value) if {
	some variable in iam.variables_in(value)
	some pattern in params.effective.principal_variables
	glob.match(lower(pattern), null, variable)
}

# Under StringLike a * or ? outside the variables matches other callers' partitions
# ("${aws:username}*" also matches "alice" for "ali"); ${*} and ${?} stand for the characters.
_exact(operator, _) if operator != "forallvalues:stringlike"

_exact("forallvalues:stringlike", value) if {
	parts := split(value, "${")
	not _has_wildcard(parts[0])
	every part in array.slice(parts, 1, count(parts)) {
		not _has_wildcard(substring(part, indexof(part, "}") + 1, -1))
	}
}

# The holder types whose policy applies to exactly one principal: the role or user it is
# written on. A managed policy (aws_iam_policy) or a group policy may reach many.
_one_principal_holders := {"aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_role"}

# The statement applies to one fixed principal: an inline policy of one role or user, or a
# resource policy statement whose Principal is one role or user ARN without wildcards (an account
# or root principal stands for everyone that account grants access to).
one_fixed_principal(document, _) if {
	document.kind == "identity"
	document.holder_type in _one_principal_holders
}

one_fixed_principal(document, statement) if {
	document.kind == "dynamodb_resource"
	statement.principals.kind == "Principal"
	statement.principals.known
	[principal] := [p | some p in statement.principals.values]
	regex.match(`^AWS:arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[^*?]+$`, principal)
}

# A PartiQL SELECT without the partition key in its WHERE clause reads the whole table, and
# then dynamodb:LeadingKeys has no value, so a ForAllValues condition on it holds vacuously. It is
# refused only by a Deny on dynamodb:FullTableScan, an unconditional Deny, or an Allow that
# requires dynamodb:FullTableScan to be false.
_full_table_select_refused(_, statement) if {
	some condition in statement.conditions
	condition.operator == "bool"
	condition.key == "dynamodb:fulltablescan"
	_text_values(condition) == ["false"]
}

_full_table_select_refused(document, _) if {
	some deny in document.statements
	iam.denies(deny)
	iam.applies_to_dynamodb(deny)
	iam.covers(deny, "partiqlselect")
	every condition in deny.conditions {
		_full_table_scan_true(condition)
	}
}

_full_table_scan_true(condition) if {
	condition.operator in {"bool", "boolifexists"}
	condition.key == "dynamodb:fulltablescan"
	_text_values(condition) == ["true"]
}

# Bool values as written in JSON (true) or in a data source ("true").
_text_values(condition) := [lower(sprintf("%v", [value])) | some value in condition.values]
