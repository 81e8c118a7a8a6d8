# METADATA
# title: IAM policy evaluation
# description: >-
#   Decides one request against the policies that govern it, following AWS's documented policy
#   evaluation logic (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
#   an explicit Deny in any applicable policy wins; in the resource's own account an identity or a
#   resource policy Allow is enough (a permissions boundary must allow too, unless the resource
#   policy names the principal's ARN); across accounts both sides must allow; a VPC endpoint policy,
#   when the request goes through one, must allow as well. Rules ask it questions with the requests
#   a caller controls (lib/iam/requests/requests.rego) rather than recognising policy shapes.
#
#   request := {
#     "principal": {"arn", "account", "type": "AWS" | "Service" | "Federated" | "Anonymous", "tags": {k: v}},
#     "action": "service:Action", "resource": arn,
#     "context": {key: value or [values]},   # as AWS names the keys; absent key = absent from the request
#   }
#   policies := {
#     "identity": [doc], "boundary": [doc] (absent: no boundary), "resource": [doc],
#     "endpoint": [doc] (absent: not through an endpoint), "resource_account": "111122223333",
#   }
#   doc := an IAM policy document as AWS writes it ({"Statement": ...}), or one normalised by
#   lib/iam, {"statements": [statement]}, each statement in the form described at the top of
#   lib/iam/iam.rego.
#   Values known only after apply ("known": false) are not evaluated here: rules report them as
#   -UNPROVABLE before asking.
package ddb_guardrails.lib.iam.evaluation

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.wildcard as wildcards

allowed(request, policies) if _decision(request, policies) == "Allow"

_decision(request, policies) := _judged(object.union(request, {"ctx": _context(request, policies), "multivalued": _multivalued(request)}), policies)

# The request carries its context keys, built once, as "ctx", and the keys it gives several values
# (a list) as "multivalued".
_judged(request, policies) := "ExplicitDeny" if {
	_denied(request, policies)
} else := "Allow" if {
	_granted(request, policies)
} else := "ImplicitDeny"

# The statements of a document, normalised once.
_statements(doc) := doc.statements if is_array(object.get(doc, "statements", null))

_statements(doc) := [iam.json_statement(statement) | some statement in util.as_list(doc.Statement)] if not is_array(object.get(doc, "statements", null))

# Policy kinds whose statements name the principals they apply to.
_principal_kinds := {"resource", "endpoint"}

_denied(request, policies) if {
	some kind in ["identity", "boundary", "resource", "endpoint"]
	some doc in object.get(policies, kind, [])
	some statement in _statements(doc)
	statement.effect == "Deny"
	_applies(kind, statement, request)
}

_granted(request, policies) if {
	_through_endpoint(request, policies)
	_granted_by_account(request, policies)
}

_through_endpoint(_, policies) if not policies.endpoint

_through_endpoint(request, policies) if _allows_in("endpoint", request, policies)

# Callers without identity policies (anonymous, a service acting for itself): the resource policy alone.
_granted_by_account(request, policies) if {
	request.principal.type != "AWS"
	_resource_allow(request, policies)
}

# Same account: a resource policy naming the principal's ARN is enough, even past a permissions
# boundary; one that grants "*" or the identity policy need the boundary's consent; one that names
# the account delegates to IAM, so the identity policy must allow.
_granted_by_account(request, policies) if {
	request.principal.type == "AWS"
	_same_account(request, policies)
	_resource_allow_by(request, policies, "arn")
}

_granted_by_account(request, policies) if {
	request.principal.type == "AWS"
	_same_account(request, policies)
	_some_allow_in_account(request, policies)
	_within_boundary(request, policies)
}

# "Within an account, an implicit deny in a permissions boundary does not limit the permissions
# granted to an IAM user by a resource-based policy" (reference_policies_evaluation-logic.html):
# for an IAM user, a resource policy Allow to "*" is enough too.
_granted_by_account(request, policies) if {
	request.principal.type == "AWS"
	_same_account(request, policies)
	_iam_user(request.principal.arn)
	_resource_allow_by(request, policies, "any")
}

# Across accounts both the caller's identity policy and the resource policy must allow.
_granted_by_account(request, policies) if {
	request.principal.type == "AWS"
	not _same_account(request, policies)
	_allows_in("identity", request, policies)
	_resource_allow(request, policies)
	_within_boundary(request, policies)
}

# "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS
# key" (kms/latest/developerguide/key-policies.html): for KMS the identity policy counts only where
# the key policy delegates to the account.
_some_allow_in_account(request, policies) if {
	not _kms_action(request.action)
	_allows_in("identity", request, policies)
}

_some_allow_in_account(request, policies) if {
	_kms_action(request.action)
	_resource_allow_by(request, policies, "account")
	_allows_in("identity", request, policies)
}

_some_allow_in_account(request, policies) if _resource_allow_by(request, policies, "any")

_kms_action(action) if startswith(lower(action), "kms:")

_iam_user(arn) if regex.match(`^arn:[^:]+:iam::[0-9]{12}:user/`, arn)

_same_account(request, policies) if request.principal.account == policies.resource_account

_within_boundary(_, policies) if not policies.boundary

_within_boundary(request, policies) if _allows_in("boundary", request, policies)

_allows_in(kind, request, policies) if {
	some doc in object.get(policies, kind, [])
	some statement in _statements(doc)
	statement.effect == "Allow"
	_applies(kind, statement, request)
}

_resource_allow(request, policies) if {
	some how in ["arn", "any", "account"]
	_resource_allow_by(request, policies, how)
}

_resource_allow_by(request, policies, how) if {
	some doc in object.get(policies, "resource", [])
	some statement in _statements(doc)
	statement.effect == "Allow"
	_principal_match(statement.principals, request.principal) == how
	_matches_request(statement, request)
}

# A statement applies to a request: its principal (for resource and endpoint policies), action,
# resource and conditions all match.
_applies(kind, statement, request) if {
	kind in _principal_kinds
	_principal_match(statement.principals, request.principal)
	_matches_request(statement, request)
}

_applies(kind, statement, request) if {
	not kind in _principal_kinds
	_matches_request(statement, request)
}

_matches_request(statement, request) if {
	_action_matches(statement.actions, request.action)
	_resource_matches(statement.resources, request)
	every condition in statement.conditions {
		_condition_holds(condition, request)
	}
}

# Actions are case-insensitive; a pattern with a wildcard may not put it in the service prefix.
_action_matches(actions, action) if {
	actions.kind == "Action"
	some pattern in actions.patterns
	wildcards.matches(lower(pattern), lower(action))
}

_action_matches(actions, action) if {
	actions.kind == "NotAction"
	not _listed(actions.patterns, action)
}

_listed(patterns, action) if {
	some pattern in patterns
	wildcards.matches(lower(pattern), lower(action))
}

# ARNs match case-sensitively; * and ? cross ":" and "/". A value whose policy variable has no value
# matches nothing (reference_policies_variables.html, "Policy variables with no value").
_resource_matches(resources, request) if {
	resources.kind == "Resource"
	some pattern in resources.values
	_resource_pattern_matches(pattern, request)
}

_resource_matches(resources, request) if {
	resources.kind == "NotResource"
	not _resource_listed(resources.values, request)
}

_resource_listed(values, request) if {
	some pattern in values
	_resource_pattern_matches(pattern, request)
}

_resource_pattern_matches(pattern, request) if {
	resolved := _substitute(pattern, request.ctx)
	wildcards.matches(resolved, request.resource)
}

# How a Principal element names the caller: "arn" (its own ARN), "any" ("*", {"AWS": "*"},
# NotPrincipal leaving it out) or "account" (its account, which delegates to IAM). Undefined when it
# does not name the caller. Partial wildcards are not allowed in Principal, so ARNs compare exactly.
_principal_match(principals, principal) := "arn" if {
	principals.kind == "Principal"
	_named(principals.values, principal) == "arn"
} else := "any" if {
	principals.kind == "Principal"
	_named(principals.values, principal) == "any"
} else := "account" if {
	principals.kind == "Principal"
	_named(principals.values, principal) == "account"
} else := "any" if {
	principals.kind == "NotPrincipal"
	not _named(principals.values, principal)
} else := "any" if {
	# An endpoint policy statement without Principal applies to everyone.
	principals.kind == "none"
}

_named(values, principal) := "arn" if {
	principal.type != "Anonymous"
	concat(":", [principal.type, principal.arn]) in values
} else := "arn" if {
	principal.type == "AWS"
	concat(":", ["AWS", _role_of_session(principal.arn)]) in values
} else := "any" if {
	"*" in values
} else := "any" if {
	"AWS:*" in values
	principal.type in {"AWS", "Anonymous"}
} else := "account" if {
	principal.type == "AWS"
	some value in values
	value in {concat("", ["AWS:", principal.account]), concat("", ["AWS:arn:aws:iam::", principal.account, ":root"])}
}

# arn:aws:sts::111122223333:assumed-role/name/session -> arn:aws:iam::111122223333:role/name
_role_of_session(arn) := concat("", ["arn:aws:iam::", parts[4], ":role/", path[1]]) if {
	parts := split(arn, ":")
	count(parts) == 6
	parts[2] == "sts"
	path := split(parts[5], "/")
	path[0] == "assumed-role"
	count(path) >= 3
}

# The request's context keys, lower case, each a list of strings; keys the principal and the
# resource imply (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalTag/*, aws:username,
# aws:ResourceAccount) unless the request sets them itself.
_context(request, policies) := object.union(_implied(request, policies), {lower(key): _as_strings(value) |
	some key, value in object.get(request, "context", {})
})

# Keys the request gives as a list: multivalued keys (dynamodb:LeadingKeys, dynamodb:Attributes, aws:TagKeys).
_multivalued(request) := {lower(key) |
	some key, value in object.get(request, "context", {})
	is_array(value)
}

_implied(request, policies) := object.union(_principal_keys(request.principal), _resource_keys(policies))

_resource_keys(policies) := {"aws:resourceaccount": [policies.resource_account]} if is_string(policies.resource_account)

_resource_keys(policies) := {} if not is_string(policies.resource_account)

_principal_keys(principal) := object.union(
	{
		"aws:principalarn": [principal.arn],
		"aws:principalaccount": [principal.account],
		"aws:principaltype": [_principal_type(principal.arn)],
	},
	object.union(_user_keys(principal.arn), {concat("", ["aws:principaltag/", lower(key)]): [value] |
		some key, value in object.get(principal, "tags", {})
	}),
) if principal.type == "AWS"

_principal_keys(principal) := {"aws:principalservicename": [principal.arn]} if principal.type == "Service"

_principal_keys(principal) := {} if not principal.type in {"AWS", "Service"}

_principal_type(arn) := "Account" if endswith(arn, ":root")

_principal_type(arn) := "User" if contains(arn, ":user/")

_principal_type(arn) := "AssumedRole" if contains(arn, ":assumed-role/")

_principal_type(arn) := "AssumedRole" if contains(arn, ":role/")

_principal_type(arn) := "FederatedUser" if contains(arn, ":federated-user/")

# aws:username is set for IAM users only.
_user_keys(arn) := {"aws:username": [name]} if {
	contains(arn, ":user/")
	path := split(arn, "/")
	name := path[count(path) - 1]
}

_user_keys(arn) := {} if not contains(arn, ":user/")

_as_strings(value) := [_text(v) | some v in value] if is_array(value)

_as_strings(value) := [_text(value)] if not is_array(value)

_text(value) := value if is_string(value)

_text(value) := json.marshal(value) if not is_string(value)

# Policy variables: ${key} from the request context (single-valued keys only), ${key, 'default'}
# when the key is absent, ${*} ${?} ${$} for the literal characters. Undefined when a variable
# without default has no value, so that the value containing it matches nothing.
_substitute(value, _) := value if not contains(value, "${")

_substitute(value, ctx) := concat("", [piece |
	some part in pieces
	piece := _resolve_piece(part, ctx)
]) if {
	contains(value, "${")
	pieces := _split_variables(value)
	every part in pieces {
		_resolve_piece(part, ctx)
	}
}

# "a${x}b" -> [{"text": "a"}, {"variable": "x"}, {"text": "b"}]
_split_variables(value) := array.concat([{"text": parts[0]}], [piece |
	some part in array.slice(parts, 1, count(parts))
	end := indexof(part, "}")
	some piece in _variable_and_rest(part, end)
]) if {
	parts := split(value, "${")
}

_variable_and_rest(part, end) := [{"variable": substring(part, 0, end)}, {"text": substring(part, end + 1, -1)}] if end >= 0

# An unclosed "${" is literal text.
_variable_and_rest(part, -1) := [{"text": concat("", ["${", part])}]

_resolve_piece(piece, _) := piece.text

_resolve_piece(piece, ctx) := _variable_value(trim_space(piece.variable), ctx) if piece.variable

_variable_value("*", _) := "*"

_variable_value("?", _) := "?"

_variable_value("$", _) := "$"

_variable_value(name, ctx) := value if {
	not name in {"*", "?", "$"}
	not contains(name, ",")
	[value] := ctx[lower(name)]
}

_variable_value(name, ctx) := value if {
	contains(name, ",")
	[key, fallback] := _split_default(name)
	value := _with_default(ctx, key, fallback)
}

_with_default(ctx, key, _) := value if [value] := ctx[lower(key)]

_with_default(ctx, key, fallback) := fallback if not _single(ctx, key)

_single(ctx, key) if [_] := ctx[lower(key)]

# "aws:PrincipalTag/tenant, 'acme'" -> ["aws:PrincipalTag/tenant", "acme"]; '' inside the quotes is a quote.
_split_default(name) := [trim_space(substring(name, 0, at)), replace(substring(quoted, 1, count(quoted) - 2), "''", "'")] if {
	at := indexof(name, ",")
	quoted := trim_space(substring(name, at + 1, -1))
	startswith(quoted, "'")
	endswith(quoted, "'")
	count(quoted) >= 2
}
