# METADATA
# title: Adversarial requests
# description: >-
#   The questions rules ask the evaluation core (evaluation.rego): is there a caller, and a request
#   that caller controls, that a policy of the plan allows? A caller is a principal holding an
#   identity policy (with and without the principal tags the policy reads), or whoever a resource
#   or endpoint policy names ("*" stands for a principal of another account). A request is an
#   action, a resource ARN (the tables the statement reaches, and a table no configuration names,
#   in every ARN form the statement's patterns admit) and the context the caller sets: leading
#   keys of another tenant, attributes written, Select, the network path (through the endpoint
#   the policy names, or none). The first request allowed is the finding's witness.
package ddb_guardrails.lib.iam.requests

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.evaluation
import data.ddb_guardrails.lib.network
import data.ddb_guardrails.lib.params
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.wildcard as wildcards

# Accounts and names the plan does not give: this account, another one, a table no one names.
this_account := "123456789012"

other_account := "999999999999"

default_region := "us-east-1"

probe_name := "ddb-guardrails-probe"

# A partition key value that belongs to no caller.
other_tenant := "ddb-guardrails-other-tenant"

# The name of a caller the plan does not name (its aws:username when it is a user).
caller_name := "ddb-guardrails-caller"

# The value a caller's principal tag has when a policy reads one through a variable.
own_tenant := "ddb-guardrails-tenant-a"

# --- statements as the core reads them ---

# A document to ask about one Allow statement: that statement, and every Deny of the document
# (a Deny whose conditions are only known after apply is left out: the caller may escape it).
asked(document, statement) := {"statements": array.concat([usable(statement)], [usable(deny) |
	some deny in document.statements
	deny.effect == "Deny"
	every condition in deny.conditions {
		object.get(condition, "known", true) == true
	}
])}

# Known resources as written (a data source's &{...} is ${...}); resources known only after apply
# become the tables they reference, or "*" when they cannot be followed (in a Deny, nothing: see
# denied_for_certain). Conditions of an Allow that are only known after apply come from a resource
# of the plan: the caller takes that path.
usable(statement) := object.union(statement, {
	"resources": object.union(statement.resources, {"values": resource_values(denied_for_certain(statement))}),
	"conditions": [object.union(condition, {"values": [replace(sprintf("%v", [v]), "&{", "${") | some v in condition.values]}) |
		some condition in statement.conditions
		object.get(condition, "known", true) == true
	],
})

resource_values(resources) := [replace(value, "&{", "${") | some value in resources.values] if object.get(resources, "known", true) == true

resource_values(resources) := array.concat(
	[replace(value, "&{", "${") | some value in resources.values],
	sort({value |
		some source in object.get(resources, "references", set())
		some value in reference_values(source)
		not _excluded_unknown(resources, value)
	}),
) if {
	not object.get(resources, "known", true)
}

# A Deny denies only what it names for certain: a Resource that may name any table (a reference
# the plan cannot follow, or a value other than an ARN) may name another one, and the caller goes
# around it.
denied_for_certain(statement) := object.union(statement.resources, {"references": {source |
	some source in object.get(statement.resources, "references", set())
	not "*" in reference_values(source)
}}) if {
	statement.effect == "Deny"
	statement.resources.kind == "Resource"
} else := object.union(statement.resources, {"deny": true}) if {
	statement.effect == "Deny"
	statement.resources.kind == "NotResource"
} else := statement.resources

# What NotResource excludes through a value that cannot be followed is unknown. An Allow then
# excludes nothing, so that the probe tables stay reachable; a Deny may exclude everything, so it
# keeps "*" and denies nothing for certain.
_excluded_unknown(resources, "*") if {
	resources.kind == "NotResource"
	not resources.deny
}

reference_values(source) := {table_arn(source.address), concat("/", [table_arn(source.address), "*"])} if {
	source.kind == "resource"
	_table_address(source.address)
}

reference_values(source) := set() if iam.other_service_arn(source)

# Any other resource (one of another provider, a value other than the ARN of an AWS resource, a
# DynamoDB resource other than a table, one not in the plan): any table.
reference_values(source) := {"*"} if {
	source.kind == "resource"
	not _table_address(source.address)
	not iam.other_service_arn(source)
}

reference_values(source) := {source.value} if {
	source.kind == "constant"
	is_string(source.value)
}

reference_values(source) := {"*"} if {
	not source.kind in {"resource", "constant"}
}

reference_values(source) := {"*"} if {
	source.kind == "constant"
	not is_string(source.value)
}

_table_address(address) if plan.resources[address].type == "aws_dynamodb_table"

# --- resources ---

# The ARN of a table of the plan: as planned, or built from its name in this account.
table_arn(address) := arn if {
	arn := plan.resources[address].after.arn
	is_string(arn)
} else := concat("", ["arn:aws:dynamodb:", default_region, ":", this_account, ":table/", table_name(address)])

table_name(address) := name if {
	name := plan.resources[address].after.name
	is_string(name)
} else := replace(replace(address, "[", "-"), "]", "")

# Tables no configuration names, in the account and region each Resource pattern writes out (so
# that "arn:aws:dynamodb:eu-west-1:111122223333:table/*" is seen to reach every table there).
probe_tables(statement) := {_probe_arn(pattern, _statement_account(statement)) |
	statement.resources.kind == "Resource"
	some pattern in resource_values(statement.resources)
} | {_probe_arn("*", _statement_account(statement)) | statement.resources.kind == "NotResource"}

_probe_arn(pattern, account) := concat("", ["arn:aws:dynamodb:", field(parts, 3, default_region), ":", field(parts, 4, account), ":table/", probe_name]) if {
	parts := split(pattern, ":")
	count(parts) >= 6
} else := concat("", ["arn:aws:dynamodb:", default_region, ":", account, ":table/", probe_name])

# The account of a table the statement's patterns leave open ("*", an account wildcard): one its
# conditions name (aws:PrincipalAccount, aws:ResourceAccount, the account of an aws:PrincipalArn
# pattern), since the plan's own account is not known before apply and may be that one; else
# this account.
_statement_account(statement) := min(accounts) if {
	accounts := {account |
		some condition in statement.conditions
		not contains(condition.operator, "not")
		some value in condition.values
		is_string(value)
		some account in _named_accounts(condition.key, value)
	}
	count(accounts) > 0
} else := this_account

_named_accounts(key, value) := {value} if {
	key in {"aws:principalaccount", "aws:resourceaccount"}
	regex.match(`^[0-9]{12}$`, value)
}

_named_accounts(key, value) := {account} if {
	key == "aws:principalarn"
	account := split(value, ":")[4]
	regex.match(`^[0-9]{12}$`, account)
}

field(parts, i, _) := parts[i] if {
	parts[i] != ""
	not contains(parts[i], "*")
	not contains(parts[i], "?")
	not contains(parts[i], "$")
}

field(parts, i, fallback) := fallback if not _literal_field(parts[i])

_literal_field(value) if {
	value != ""
	not contains(value, "*")
	not contains(value, "?")
	not contains(value, "$")
}

# The resources to ask about for a statement: its DynamoDB patterns made concrete (wildcards
# filled with a name no one uses), a table no configuration names in each account and region the
# patterns write out, and the tables of the plan it references.
resources(statement) := sort(((_instances(statement) | probe_tables(statement)) | _plan_tables(statement)))

_instances(statement) := {_instance(parts, _statement_account(statement)) |
	statement.resources.kind == "Resource"
	some pattern in resource_values(statement.resources)
	not contains(pattern, "$")
	parts := split(pattern, ":")
	count(parts) >= 6
	iam.dynamodb_resource(pattern)
}

_instance(parts, account) := concat(":", array.concat(
	["arn", "aws", "dynamodb", field(parts, 3, default_region), field(parts, 4, account)],
	[replace(replace(concat(":", array.slice(parts, 5, count(parts))), "*", probe_name), "?", "x")],
))

# The tables of the plan a statement names by reference, or by an ARN pattern that matches them.
_plan_tables(statement) := {table_arn(source.address) |
	some source in object.get(statement.resources, "references", set())
	source.kind == "resource"
	_table_address(source.address)
}

_account_of(arn) := parts[4] if {
	parts := split(arn, ":")
	count(parts) >= 6
	parts[4] != ""
} else := this_account

# --- callers ---

# The callers of an identity policy, in the account of the resource: each kind of principal that
# can hold it, with the principal tags the document reads (its variables get this caller's own
# value, literal conditions their value), and without any tag.
_identity_callers(document, resource) := [_caller(resource, principal, tagged) |
	some principal in holder_principals(document)
	some tagged in _tag_sets(document)
]

_tag_sets(document) := [{}] if _tags(document) == {}

_tag_sets(document) := [_tags(document), {}] if _tags(document) != {}

_caller(resource, principal, _tags) := {
	"arn": concat("", ["arn:aws:iam::", _account_of(resource), ":", principal]),
	"account": _account_of(resource),
	"type": "AWS",
	"tags": _tags,
}

# Who holds an identity policy: a role policy its role, a user policy its user, a group policy the
# group's users (always IAM users), any other policy (a managed policy, a CloudFormation policy)
# a user or a role, whichever it is attached to. A role of the plan is named, whoever assumes it (a
# team's principals, or a service such as Glue, Lambda, Step Functions, AppSync or API Gateway acting
# for them): a policy attached to it is asked as that role first. A document that reads
# ${aws:username} is asked as a user the plan does not name, whose name the core knows.
holder_principals(document) := [concat("/", ["user", caller_name])] if {
	not document.holder_type in {"aws_iam_role_policy", "aws_iam_role"}
	"aws:username" in _variables(document)
} else := [concat("/", ["user", name])] if {
	document.holder_type == "aws_iam_user_policy"
	name := plan.resources[document.holder].after.user
	is_string(name)
} else := [concat("/", ["role", name])] if {
	document.holder_type == "aws_iam_role_policy"
	name := plan.resources[document.holder].after.role
	is_string(name)
} else := [concat("/", ["role", name])] if {
	document.holder_type == "aws_iam_role"
	name := plan.resources[document.holder].after.name
	is_string(name)
} else := _plan_roles(document.holder) if {
	document.holder_type in _role_holders
	count(_plan_roles(document.holder)) > 0
} else := [concat("/", ["role", caller_name])] if {
	document.holder_type in {"aws_iam_role_policy", "aws_iam_role"}
} else := [concat("/", ["user", caller_name])] if {
	document.holder_type in {"aws_iam_user_policy", "aws_iam_group_policy"}
} else := array.concat(_plan_roles(document.holder), [concat("/", ["user", caller_name]), concat("/", ["role", caller_name])])

# Holders that apply only to the roles they name; any other policy may also reach principals the
# plan does not attach it to.
_role_holders := {"aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_role_policy_attachments_exclusive"}

# "role/<name>" of each role of the plan a policy holder applies to (by reference, or by attachment).
_plan_roles(holder) := sort({concat("/", ["role", _role_name(role)]) | some role in object.get(_roles_by_holder, holder, set())})

_roles_by_holder[document.holder] contains role if {
	some role, held in network.documents_by_role
	plan.resources[role].type == "aws_iam_role"
	some document in held
}

_role_name(address) := name if {
	name := plan.resources[address].after.name
	is_string(name)
} else := caller_name

_tags(document) := object.union(
	{key: _variable_value(variable) |
		some variable in _variables(document)
		startswith(variable, "aws:principaltag/")
		key := substring(variable, count("aws:principaltag/"), -1)
	},
	{key: value |
		some statement in document.statements
		statement.effect == "Allow"
		some condition in statement.conditions
		startswith(condition.key, "aws:principaltag/")
		condition.operator in {"stringequals", "stringequalsignorecase"}
		value := condition.values[0]
		is_string(value)
		key := substring(condition.key, count("aws:principaltag/"), -1)
	},
)

# The policy variables a document's conditions read, lower case, without their defaults.
_variables(document) := {trim_space(split(variable, ",")[0]) |
	some statement in document.statements
	some condition in statement.conditions
	some value in condition.values
	is_string(value)
	some variable in iam.variables_in(replace(value, "&{", "${"))
}

# Keys the core derives from the principal: the caller cannot choose them.
_derived_variables := {"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username", "aws:resourceaccount"}

# The caller's value of a variable that names it (the principal_variables parameter): its own
# partition. Any other variable may be set by whoever calls (a session tag, a web identity claim),
# except the organisation, which the caller's account decides.
_variable_value(variable) := own_tenant if {
	some pattern in params.effective.principal_variables
	wildcards.matches(lower(pattern), variable)
} else := "o-ddbguardrails" if {
	variable == "aws:principalorgid"
} else := other_tenant

# Context keys for the variables that are not principal tags nor derived by the core.
_variable_context(document) := {variable: _variable_value(variable) |
	some variable in _variables(document)
	not startswith(variable, "aws:principaltag/")
	not variable in _derived_variables
}

# Who a resource (or endpoint) policy statement lets in: the principals it names, and for "*"
# or NotPrincipal a principal of another account; with the principal tags the document reads (the
# tags of a principal are set by its own account).
named_callers(document, statement) := [object.union(principal, {"tags": _tags(document)}) | some principal in _named_principals(statement)]

_named_principals(statement) := [principal_of(value) |
	statement.principals.kind == "Principal"
	some value in sort(statement.principals.values)
	principal_of(value)
] if {
	not _open_to_anyone(statement)
} else := [unnamed_caller(other_account, "role")]

# A caller the plan does not name: a role (or user) of the account, called caller_name.
unnamed_caller(account, kind) := {
	"arn": concat("", ["arn:aws:iam::", account, ":", kind, "/", caller_name]),
	"account": account,
	"type": "AWS",
	"tags": {},
}

_open_to_anyone(statement) if iam.any_principal(statement)

_open_to_anyone(statement) if statement.principals.kind == "none"

principal_of(value) := {"arn": arn, "account": account, "type": "AWS", "tags": {}} if {
	startswith(value, "AWS:arn:")
	arn := substring(value, 4, -1)
	not endswith(arn, ":root")
	account := split(arn, ":")[4]
} else := unnamed_caller(account, "role") if {
	startswith(value, "AWS:")
	account := _account_id(substring(value, 4, -1))
} else := {"arn": substring(value, 8, -1), "account": "", "type": "Service", "tags": {}} if {
	startswith(value, "Service:")
}

_account_id(text) := text if count(text) == 12

_account_id(text) := split(text, ":")[4] if endswith(text, ":root")

# Identity policies of another account grant their own principals everything: only the resource
# side decides.
anything := {"statements": [{
	"effect": "Allow",
	"actions": {"kind": "Action", "patterns": ["*"]},
	"resources": {"kind": "Resource", "values": ["*"]},
	"principals": {"kind": "none", "values": set()},
	"conditions": [],
}]}

# --- the network path ---

# The context of a caller that goes the way an Allow statement asks (through the endpoint or VPC
# it names, over TLS): the path that meets the Allow and escapes a Deny on requests from elsewhere.
path(statement) := object.union({"aws:SecureTransport": "true"}, {name: min(values) |
	some name in ["aws:SourceVpce", "aws:SourceVpc"]
	values := _path_values(statement, lower(name))
	count(values) > 0
})

_path_values(statement, key) := {value |
	some condition in statement.conditions
	condition.key == key
	condition.operator in {"stringequals", "stringlike", "stringequalsifexists"}
	object.get(condition, "known", true) == true
	value := condition.values[0]
	is_string(value)
	not contains(value, "$")
}

# The time of a request: policies are judged as they stand (the wasm runtime has no clock).
now := "2026-12-01T00:00:00Z"

# --- asking ---

# The first request of a list that the policies allow, as the witness; undefined when none is.
witness(candidates) := allowed[0] if {
	allowed := [candidate.request |
		some candidate in candidates
		evaluation.allowed(candidate.request, candidate.policies)
	]
	count(allowed) > 0
}

# Requests by the callers of an identity document's statement, going the way the statement asks.
_identity_candidates(document, statement, actions, resources, contexts) := [{
	"request": {"principal": principal, "action": action, "resource": resource, "context": object.union(base, context)},
	"policies": {"identity": [question], "resource_account": _account_of(resource)},
} |
	some resource in resources
	some principal in _identity_callers(document, resource)
	some action in actions
	some context in contexts
] if {
	question := asked(document, statement)
	base := object.union(path(statement), _variable_context(document))
}

# Requests by the principals a resource policy statement names (their own account allowing them
# everything).
_resource_candidates(document, statement, actions, resources, contexts) := [{
	"request": {"principal": principal, "action": action, "resource": resource, "context": object.union(base, context)},
	"policies": {"identity": [anything], "resource": [question], "resource_account": _account_of(resource)},
} |
	some resource in resources
	some principal in callers
	some action in actions
	some context in contexts
] if {
	question := asked(document, statement)
	base := object.union(path(statement), _variable_context(document))
	callers := named_callers(document, statement)
}

# Requests by whoever a document reaches: the holder of an identity policy, or the principals a
# resource policy names.
candidates(document, statement, actions, resources, contexts) := _identity_candidates(document, statement, actions, resources, contexts) if {
	document.kind == "identity"
} else := _resource_candidates(document, statement, actions, resources, contexts)

# --- what to ask ---

# One action of each group that a document's Deny statements treat alike: two actions the same
# Denies name get the same decision for every request of an Allow that covers both, so one of each
# group is enough, while a Deny on some of the actions cannot hide the others.
representatives(document, actions) := {min(group) |
	some signature in {_deny_signature(document, action) | some action in actions}
	group := {action | some action in actions; _deny_signature(document, action) == signature}
}

_deny_signature(document, action) := {i |
	some i, statement in document.statements
	statement.effect == "Deny"
	iam.covers(statement, action)
}

# The partitions a caller may call its own: its principal tag's and user name's values, and each
# literal partition a statement's dynamodb:LeadingKeys condition names.
own_partitions(statement) := sort({own_tenant, caller_name} | {value |
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
	some value in condition.values
	is_string(value)
	not contains(value, "${")
	not contains(value, "*")
	not contains(value, "?")
})
