# Condition operators of the IAM evaluation core: whether one condition of a normalised statement
# holds for a request context, as AWS documents them
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
# reference_policies_condition-single-vs-multi-valued-context-keys.html).
package ddb_guardrails.lib.iam.evaluation

import rego.v1

import data.ddb_guardrails.lib.wildcard as wildcards

# Negated operators and the positive operator they negate.
_negations := {
	"stringnotequals": "stringequals",
	"stringnotequalsignorecase": "stringequalsignorecase",
	"stringnotlike": "stringlike",
	"arnnotequals": "arnequals",
	"arnnotlike": "arnlike",
	"numericnotequals": "numericequals",
	"datenotequals": "dateequals",
	"notipaddress": "ipaddress",
}

# "forallvalues:stringlikeifexists" -> {"set": "forallvalues", "base": "stringlike", "if_exists": true}
_parse_operator(operator) := {
	"set": _set_qualifier(operator),
	"base": trim_suffix(unqualified, "ifexists"),
	"if_exists": endswith(unqualified, "ifexists"),
} if {
	unqualified := trim_prefix(trim_prefix(operator, "forallvalues:"), "foranyvalue:")
}

_set_qualifier(operator) := "forallvalues" if startswith(operator, "forallvalues:")

_set_qualifier(operator) := "foranyvalue" if startswith(operator, "foranyvalue:")

_set_qualifier(operator) := "" if {
	not startswith(operator, "forallvalues:")
	not startswith(operator, "foranyvalue:")
}

# A key absent from the request, or present with no value.
_present(ctx, key) if count(object.get(ctx, key, [])) > 0

_condition_holds(condition, request) if {
	op := _parse_operator(condition.operator)
	op.base == "null"
	some value in condition.values
	_null_holds(lower(_text(value)), request.ctx, condition.key)
}

_condition_holds(condition, request) if {
	op := _parse_operator(condition.operator)
	op.base != "null"
	_holds(op, _expected(condition.values, request.ctx), _request_values(request, condition.key))
}

_null_holds("true", ctx, key) if not _present(ctx, key)

_null_holds("false", ctx, key) if _present(ctx, key)

# The request's values of a key, and whether it gave them as a list (a multivalued key).
_request_values(request, key) := {"values": object.get(request.ctx, key, []), "list": key in request.multivalued}

# Condition values with their policy variables replaced. A value whose variable has no value (and
# no default) is "effectively null. There is no equal or like value" (reference_policies_variables.html,
# "Policy variables with no value"): it matches no request value, under a negated operator too, so
# "complete" is false and a negated operator fails wherever it compares values.
_expected(values, ctx) := {"values": resolved, "complete": count(resolved) == count(values)} if {
	resolved := [substituted |
		some value in values
		substituted := _substitute(_text(value), ctx)
	]
}

# ...IfExists: true when the key is absent (for set operators as for single ones).
_holds(op, _, request) if {
	op.if_exists
	count(request.values) == 0
}

# Without a set qualifier, an absent key fails a positive operator and satisfies a negated one
# ("If the key that you specify ... is not present ... the condition is false"; negated: true).
_holds(op, _, request) if {
	op.set == ""
	not op.if_exists
	count(request.values) == 0
	_negations[op.base]
}

# Without a set qualifier, a key the request gives as a list never matches: "Multivalued context
# keys require a condition set operator" (reference_policies_condition-single-vs-multi-valued-context-keys.html).
_holds(op, _expected, request) if {
	op.set == ""
	count(request.values) > 0
	not request.list
	_single_holds(op.base, _expected, request.values)
}

# ForAllValues: every value of the request matches; vacuously true when the key is absent or empty.
_holds(op, _, request) if {
	op.set == "forallvalues"
	count(request.values) == 0
}

_holds(op, _expected, request) if {
	op.set == "forallvalues"
	count(request.values) > 0
	every value in request.values {
		_one_holds(op.base, _expected, value)
	}
}

# ForAnyValue: some value of the request matches; false when the key is absent or empty.
_holds(op, _expected, request) if {
	op.set == "foranyvalue"
	some value in request.values
	_one_holds(op.base, _expected, value)
}

# A single-valued operator on several request values: a positive operator holds when one of them
# matches, a negated one when none does.
_single_holds(base, _expected, _request_values) if {
	not _negations[base]
	some value in _request_values
	_one_holds(base, _expected, value)
}

_single_holds(base, _expected, _request_values) if {
	_negations[base]
	every value in _request_values {
		_one_holds(base, _expected, value)
	}
}

# One request value against the condition's values: a positive operator matches any of them, a
# negated one none of them (and a value without one matches nothing, so it fails a negated one).
_one_holds(base, _expected, value) if {
	not _negations[base]
	some candidate in _expected.values
	_matches(base, candidate, value)
}

_one_holds(base, _expected, value) if {
	positive := _negations[base]
	_expected.complete
	not _any_matches(positive, _expected.values, value)
}

_any_matches(base, values, value) if {
	some _expected in values
	_matches(base, _expected, value)
}

_matches("stringequals", _expected, value) if _expected == value

_matches("stringequalsignorecase", _expected, value) if lower(_expected) == lower(value)

_matches("stringlike", _expected, value) if wildcards.matches(_expected, value)

# ArnEquals and ArnLike both read * and ? as wildcards.
_matches("arnequals", _expected, value) if _arn_matches(_expected, value)

_matches("arnlike", _expected, value) if _arn_matches(_expected, value)

_matches("bool", _expected, value) if lower(_expected) == lower(value)

_matches("binaryequals", _expected, value) if _expected == value

_matches("ipaddress", _expected, value) if net.cidr_contains(_cidr(_expected), value)

_matches("numericequals", _expected, value) if _number(value) == _number(_expected)

_matches("numericlessthan", _expected, value) if _number(value) < _number(_expected)

_matches("numericlessthanequals", _expected, value) if _number(value) <= _number(_expected)

_matches("numericgreaterthan", _expected, value) if _number(value) > _number(_expected)

_matches("numericgreaterthanequals", _expected, value) if _number(value) >= _number(_expected)

_matches("dateequals", _expected, value) if _comparable_dates(_expected, value, "eq")

_matches("datelessthan", _expected, value) if _comparable_dates(_expected, value, "lt")

_matches("datelessthanequals", _expected, value) if _comparable_dates(_expected, value, "le")

_matches("dategreaterthan", _expected, value) if _comparable_dates(_expected, value, "gt")

_matches("dategreaterthanequals", _expected, value) if _comparable_dates(_expected, value, "ge")

# The six ARN fields match one by one, so a wildcard does not run from one field into the next.
_arn_matches(_expected, value) if {
	pattern := split(_expected, ":")
	count(pattern) >= 6
	actual := split(value, ":")
	count(actual) >= 6
	every i in numbers.range(0, 4) {
		wildcards.matches(pattern[i], actual[i])
	}
	wildcards.matches(concat(":", array.slice(pattern, 5, count(pattern))), concat(":", array.slice(actual, 5, count(actual))))
}

_cidr(value) := value if contains(value, "/")

_cidr(value) := concat("", [value, "/32"]) if {
	not contains(value, "/")
	not contains(value, ":")
}

_cidr(value) := concat("", [value, "/128"]) if {
	not contains(value, "/")
	contains(value, ":")
}

_number(value) := to_number(value) if regex.match(`^-?[0-9]+(\.[0-9]+)?$`, value)

# Dates compare as epoch seconds or as ISO 8601 UTC text (which sorts chronologically); a mix of
# the two is not compared.
_comparable_dates(_expected, value, how) if {
	a := _number(value)
	b := _number(_expected)
	_compare(how, a, b)
}

_comparable_dates(_expected, value, how) if {
	not _number(value)
	not _number(_expected)
	_compare(how, upper(value), upper(_expected))
}

_compare("eq", a, b) if a == b

_compare("lt", a, b) if a < b

_compare("le", a, b) if a <= b

_compare("gt", a, b) if a > b

_compare("ge", a, b) if a >= b
