# Condition operators of the IAM evaluation core: whether one condition of a normalised statement
# holds for a request context, as AWS documents them
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
# reference_policies_condition-single-vs-multi-valued-context-keys.html).
package ddb_guardrails.lib.iam.evaluation

import rego.v1

import data.ddb_guardrails.lib.wildcard as wildcards

# Negated operators and the positive operator they negate.
negations := {
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
parse_operator(operator) := {
	"set": set_qualifier(operator),
	"base": trim_suffix(unqualified, "ifexists"),
	"if_exists": endswith(unqualified, "ifexists"),
} if {
	unqualified := trim_prefix(trim_prefix(operator, "forallvalues:"), "foranyvalue:")
}

set_qualifier(operator) := "forallvalues" if startswith(operator, "forallvalues:")

set_qualifier(operator) := "foranyvalue" if startswith(operator, "foranyvalue:")

set_qualifier(operator) := "" if {
	not startswith(operator, "forallvalues:")
	not startswith(operator, "foranyvalue:")
}

# A key absent from the request, or present with no value.
present(ctx, key) if count(object.get(ctx, key, [])) > 0

condition_holds(condition, request) if {
	op := parse_operator(condition.operator)
	op.base == "null"
	some value in condition.values
	null_holds(lower(text(value)), request.ctx, condition.key)
}

condition_holds(condition, request) if {
	op := parse_operator(condition.operator)
	op.base != "null"
	holds(op, expected(condition.values, request.ctx), request_values(request, condition.key))
}

null_holds("true", ctx, key) if not present(ctx, key)

null_holds("false", ctx, key) if present(ctx, key)

# The request's values of a key, and whether it gave them as a list (a multivalued key).
request_values(request, key) := {"values": object.get(request.ctx, key, []), "list": key in request.multivalued}

# Condition values with their policy variables replaced. A value whose variable has no value (and
# no default) is "effectively null. There is no equal or like value" (reference_policies_variables.html,
# "Policy variables with no value"): it matches no request value, under a negated operator too, so
# "complete" is false and a negated operator fails wherever it compares values.
expected(values, ctx) := {"values": resolved, "complete": count(resolved) == count(values)} if {
	resolved := [substituted |
		some value in values
		substituted := substitute(text(value), ctx)
	]
}

# ...IfExists: true when the key is absent (for set operators as for single ones).
holds(op, _, request) if {
	op.if_exists
	count(request.values) == 0
}

# Without a set qualifier, an absent key fails a positive operator and satisfies a negated one
# ("If the key that you specify ... is not present ... the condition is false"; negated: true).
holds(op, _, request) if {
	op.set == ""
	not op.if_exists
	count(request.values) == 0
	negations[op.base]
}

# Without a set qualifier, a key the request gives as a list never matches: "Multivalued context
# keys require a condition set operator" (reference_policies_condition-single-vs-multi-valued-context-keys.html).
holds(op, expected, request) if {
	op.set == ""
	count(request.values) > 0
	not request.list
	single_holds(op.base, expected, request.values)
}

# ForAllValues: every value of the request matches; vacuously true when the key is absent or empty.
holds(op, _, request) if {
	op.set == "forallvalues"
	count(request.values) == 0
}

holds(op, expected, request) if {
	op.set == "forallvalues"
	count(request.values) > 0
	every value in request.values {
		one_holds(op.base, expected, value)
	}
}

# ForAnyValue: some value of the request matches; false when the key is absent or empty.
holds(op, expected, request) if {
	op.set == "foranyvalue"
	some value in request.values
	one_holds(op.base, expected, value)
}

# A single-valued operator on several request values: a positive operator holds when one of them
# matches, a negated one when none does.
single_holds(base, expected, request_values) if {
	not negations[base]
	some value in request_values
	one_holds(base, expected, value)
}

single_holds(base, expected, request_values) if {
	negations[base]
	every value in request_values {
		one_holds(base, expected, value)
	}
}

# One request value against the condition's values: a positive operator matches any of them, a
# negated one none of them (and a value without one matches nothing, so it fails a negated one).
one_holds(base, expected, value) if {
	not negations[base]
	some candidate in expected.values
	matches(base, candidate, value)
}

one_holds(base, expected, value) if {
	positive := negations[base]
	expected.complete
	not any_matches(positive, expected.values, value)
}

any_matches(base, values, value) if {
	some expected in values
	matches(base, expected, value)
}

matches("stringequals", expected, value) if expected == value

matches("stringequalsignorecase", expected, value) if lower(expected) == lower(value)

matches("stringlike", expected, value) if wildcards.matches(expected, value)

# ArnEquals and ArnLike both read * and ? as wildcards.
matches("arnequals", expected, value) if arn_matches(expected, value)

matches("arnlike", expected, value) if arn_matches(expected, value)

matches("bool", expected, value) if lower(expected) == lower(value)

matches("binaryequals", expected, value) if expected == value

matches("ipaddress", expected, value) if net.cidr_contains(cidr(expected), value)

matches("numericequals", expected, value) if number(value) == number(expected)

matches("numericlessthan", expected, value) if number(value) < number(expected)

matches("numericlessthanequals", expected, value) if number(value) <= number(expected)

matches("numericgreaterthan", expected, value) if number(value) > number(expected)

matches("numericgreaterthanequals", expected, value) if number(value) >= number(expected)

matches("dateequals", expected, value) if comparable_dates(expected, value, "eq")

matches("datelessthan", expected, value) if comparable_dates(expected, value, "lt")

matches("datelessthanequals", expected, value) if comparable_dates(expected, value, "le")

matches("dategreaterthan", expected, value) if comparable_dates(expected, value, "gt")

matches("dategreaterthanequals", expected, value) if comparable_dates(expected, value, "ge")

# The six ARN fields match one by one, so a wildcard does not run from one field into the next.
arn_matches(expected, value) if {
	pattern := split(expected, ":")
	count(pattern) >= 6
	actual := split(value, ":")
	count(actual) >= 6
	every i in numbers.range(0, 4) {
		wildcards.matches(pattern[i], actual[i])
	}
	wildcards.matches(concat(":", array.slice(pattern, 5, count(pattern))), concat(":", array.slice(actual, 5, count(actual))))
}

cidr(value) := value if contains(value, "/")

cidr(value) := concat("", [value, "/32"]) if {
	not contains(value, "/")
	not contains(value, ":")
}

cidr(value) := concat("", [value, "/128"]) if {
	not contains(value, "/")
	contains(value, ":")
}

number(value) := to_number(value) if regex.match(`^-?[0-9]+(\.[0-9]+)?$`, value)

# Dates compare as epoch seconds or as ISO 8601 UTC text (which sorts chronologically); a mix of
# the two is not compared.
comparable_dates(expected, value, how) if {
	a := number(value)
	b := number(expected)
	compare(how, a, b)
}

comparable_dates(expected, value, how) if {
	not number(value)
	not number(expected)
	compare(how, upper(value), upper(expected))
}

compare("eq", a, b) if a == b

compare("lt", a, b) if a < b

compare("le", a, b) if a <= b

compare("gt", a, b) if a > b

compare("ge", a, b) if a >= b
