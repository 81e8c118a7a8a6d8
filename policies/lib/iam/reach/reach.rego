# METADATA
# title: Who can reach table data
# description: >-
#   The callers a policy lets in and the requests they make, for the rules that ask who can reach a
#   table by paths other than its own policies: becoming a role (trust policies), granting oneself
#   more (IAM actions), reading its streams, and copying it to another account. Each answer comes
#   with a witness, the concrete request that gets through: {"principal", "action", "resource",
#   "context"}, in the shape of the IAM policy simulator's inputs. Accounts are those the plan's
#   provider configurations name (allowed_account_ids, assume_role); a plan that names none does not
#   tell which account is this one.
package ddb_guardrails.lib.iam.reach

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.params
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.wildcard as wildcards

# An account no configuration names: the caller of a witness from "another account".
outside_account := "999999999999"

# The statement allows the action (lower case, "service:name"), whatever the service: by name, by
# wildcard, or through NotAction.
allows_action(statement, action) if {
	iam.allows(statement)
	_action_matched(statement, action)
}

_action_matched(statement, action) if {
	statement.actions.kind == "Action"
	some pattern in statement.actions.patterns
	wildcards.matches(pattern, action)
}

_action_matched(statement, action) if {
	statement.actions.kind == "NotAction"
	not _any_pattern_matches(statement.actions.patterns, action)
}

_any_pattern_matches(patterns, action) if {
	some pattern in patterns
	wildcards.matches(pattern, action)
}

# The statement reaches every resource whose ARN matches one of the probes ("*", NotResource, or a
# pattern such as arn:aws:iam::*:role/*), whatever its account.
every_resource(statement, _) if statement.resources.kind == "NotResource"

every_resource(statement, probes) if {
	statement.resources.kind == "Resource"
	some value in statement.resources.values
	_broad(value, probes)
}

_broad("*", _)

_broad(value, probes) if {
	parts := split(lower(value), ":")
	count(parts) >= 6
	resource := concat(":", array.slice(parts, 5, count(parts)))
	some probe in probes
	wildcards.matches(parts[2], probe[0])
	wildcards.matches(resource, probe[1])
}

# The patterns that select the resources, for evidence.
describe_resources(statement) := sprintf("NotResource %s", [json.marshal(statement.resources.values)]) if {
	statement.resources.kind == "NotResource"
}

describe_resources(statement) := sprintf("Resource %s", [json.marshal(statement.resources.values)]) if {
	statement.resources.kind == "Resource"
}

# The account of a resource's provider configuration: one allowed_account_ids value, or the account
# of the role it assumes; undefined when the configuration names none.
_provider_account(resource) := account if {
	expressions := input.configuration.provider_config[provider_key(resource)].expressions
	account := _configured_account(expressions)
}

provider_key(resource) := _source_provider(plan.config(resource).provider_config_key)

# A module that only declares its required providers gets an entry without expressions and uses its
# parent's provider: "module.a.module.b:aws" -> "module.a:aws" -> "aws".
_source_provider(key) := key if not contains(key, ":")

_source_provider(key) := candidates[max(configured)] if {
	[module, name] := split(key, ":")
	segments := split(module, ".")
	candidates := [_ancestor_key(segments, n, name) | some n in numbers.range(0, count(segments) / 2)]
	configured := {i | some i, candidate in candidates; _configured_provider(candidate, i)}
}

# Keys from the root ("aws") down to the module's own.
_ancestor_key(_, 0, name) := name

_ancestor_key(segments, n, name) := concat(":", [concat(".", array.slice(segments, 0, 2 * n)), name]) if n > 0

_configured_provider(_, 0)

_configured_provider(key, i) if {
	i > 0
	input.configuration.provider_config[key].expressions
}

# The account a resource is deployed into: its provider configuration's, else the account_ids
# parameter when it lists one account only; undefined when neither tells.
resource_account(resource) := _provider_account(resource)

resource_account(resource) := account if {
	not _provider_account(resource)
	[account] := params.effective.account_ids
}

_configured_account(expressions) := account if {
	[account] := object.get(expressions, ["allowed_account_ids", "constant_value"], [])
} else := account if {
	arn := object.get(expressions, ["assume_role", 0, "role_arn", "constant_value"], "")
	account := arn_account(arn)
}

# The accounts a resource is deployed into: the account_ids parameter and its provider's.
deployed_accounts(resource) := {account | some account in params.effective.account_ids} | {account |
	account := _provider_account(resource)
}

# The accounts the plan deploys into: the account_ids parameter and its provider configurations'.
own_accounts := {account | some account in params.effective.account_ids} | _plan_accounts

# Every account the plan's provider configurations name.
_plan_accounts contains account if {
	some config in object.get(input.configuration, "provider_config", {})
	account := _configured_account(object.get(config, "expressions", {}))
}

# "arn:aws:iam::444455556666:root" -> "444455556666"; a bare account id is itself.
# The length first: a regular expression under opa-wasm costs far more than count, and both bodies
# are evaluated for every ARN.
arn_account(value) := parts[4] if {
	parts := split(value, ":")
	count(parts) >= 6
	count(parts[4]) == 12
	regex.match(`^[0-9]{12}$`, parts[4])
}

arn_account(value) := value if {
	count(value) == 12
	regex.match(`^[0-9]{12}$`, value)
}

# The account of an AWS principal ("AWS:arn:aws:iam::444455556666:root", "AWS:444455556666").
principal_account(principal) := arn_account(trim_prefix(principal, "AWS:")) if startswith(principal, "AWS:")

# A context that meets the statement's conditions as the caller writes its request: the first value
# of each positive operator (a wildcard stands for "x"), nothing for negated operators and Null true
# (which an absent key meets). Only used where no condition narrows the caller.
context_for(statement) := {condition.key: _context_value(condition) |
	some condition in statement.conditions
	condition.known
	count(condition.values) > 0
	not contains(condition.operator, "not")
	condition.operator != "null"
}

_context_value(condition) := [_example(condition.values[0])] if startswith(condition.operator, "for")

_context_value(condition) := _example(condition.values[0]) if not startswith(condition.operator, "for")

_example(value) := replace(replace(sprintf("%v", [value]), "*", "x"), "?", "x")

# A witness: the request that gets through.
witness(principal, action, resource, context) := {
	"principal": principal,
	"action": action,
	"resource": resource,
	"context": context,
}

# A principal of an account no configuration names.
outside_principal := {
	"arn": sprintf("arn:aws:iam::%s:role/any-role", [outside_account]),
	"account": outside_account,
	"type": "AWS",
	"tags": {},
}

# The ARN of a role (or user) of the plan: known, else written from its name and account.
principal_arn(resource) := resource.after.arn if is_string(object.get(resource.after, "arn", null))

principal_arn(resource) := sprintf("arn:aws:iam::%s:%s/%s", [account_text(resource), kind, name]) if {
	not is_string(object.get(resource.after, "arn", null))
	kind := trim_prefix(resource.type, "aws_iam_")
	name := object.get(resource.after, "name", resource.name)
}

account_text(resource) := _provider_account(resource)

account_text(resource) := account if {
	not _provider_account(resource)
	[account] := params.effective.account_ids
} else := "<this account>" if not _provider_account(resource)

# The region of a resource's provider configuration, for witness ARNs.
region_text(resource) := region if {
	region := input.configuration.provider_config[provider_key(resource)].expressions.region.constant_value
	is_string(region)
} else := "<region>"

# The principal an identity policy applies to, for the witness: the role, user or group it is written
# on, or, for a managed policy, any principal it is attached to.
holder_principal(document) := {"arn": arn, "account": account_text(holder), "type": "AWS", "tags": {}} if {
	holder := plan.resources[document.holder]
	arn := _holder_arn(holder)
}

holder_principal(document) := {
	"arn": sprintf("arn:aws:iam::%s:role/any-principal-it-is-attached-to", [account_text(holder)]),
	"account": account_text(holder),
	"type": "AWS",
	"tags": {},
} if {
	holder := plan.resources[document.holder]
	not _holder_arn(holder)
}

_holder_arn(holder) := principal_arn(holder) if holder.type in {"aws_iam_role", "aws_iam_user"}

_holder_arn(holder) := sprintf("arn:aws:iam::%s:%s/%s", [account_text(holder), kind, name]) if {
	some attribute, kind in {"role": "role", "user": "user", "group": "group"}
	holder.type == sprintf("aws_iam_%s_policy", [attribute])
	name := _role_name(object.get(holder.after, attribute, null))
}

# The role a policy of the plan names by reference (aws_iam_role_policy.role = aws_iam_role.x.id).
_holder_arn(holder) := principal_arn(plan.resources[source.address]) if {
	some attribute, type in {"role": "aws_iam_role_policy", "user": "aws_iam_user_policy"}
	holder.type == type
	not is_string(object.get(holder.after, attribute, null))
	some source in references.sources(holder, [attribute])
	source.kind == "resource"
}

_role_name(value) := value if is_string(value)
