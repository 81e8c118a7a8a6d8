# METADATA
# title: Key policies
# description: >-
#   The key policies of the customer-managed keys that protect tables (aws_kms_key.policy, or an
#   aws_kms_key_policy attached to the key, which replaces it), and what their Allow statements
#   grant: key administration, data-key use, and to whom.
package ddb_guardrails.lib.kms.key_policies

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.wildcard as wildcards

_table_types := {"aws_dynamodb_table", "aws_dynamodb_table_replica"}

# aws_kms_key address -> evidence of the tables (and replicas) it protects, directly or through an alias.
table_keys[key] contains evidence if {
	some use in kms.key_uses
	plan.resources[use.address].type in _table_types
	some key in subjects(use.verdict.key)
	evidence := concat("", ["used by ", use.address, ": ", use.verdict.evidence])
}

subjects(key) := {key} if plan.resources[key].type in {"aws_kms_key", "aws_kms_replica_key"}

subjects(key) := kms.rotation_subjects(key) if plan.resources[key].type == "aws_kms_alias"

# The policy documents in force for a key: those of the aws_kms_key_policy resources attached to
# it, else its own policy argument (status "absent" when not set: the default key policy).
# A list, not a set, as iam.documents_of_kind.
documents(key) := attached if {
	attached := [document |
		some holder in _attached_policies[key]
		some document in iam.documents_held_by("key", holder)
	]
	count(attached) > 0
} else := iam.documents_held_by("key", key)

_attached_policies[key] contains address if {
	some address, resource in plan.of_type("aws_kms_key_policy")
	some source in references.sources(resource, ["key_id"])
	source.kind == "resource"
	some key in subjects(source.address)
}

# aws_kms_key_policy resources whose key cannot be told before apply: address -> evidence.
unattached_policies[address] := sprintf("%s.key_id <- %s", [address, references.describe(source)]) if {
	some address, resource in plan.of_type("aws_kms_key_policy")
	resource.unknown.key_id == true
	some source in references.sources(resource, ["key_id"])
	not _key_source(source)
}

_key_source(source) if {
	source.kind == "resource"
	plan.resources[source.address].type in {"aws_kms_key", "aws_kms_alias"}
}

# Actions that hand out the key's data: decrypting, or granting others the use of the key.
exposing_actions := {"kms:decrypt", "kms:creategrant"}

# Actions that use the key for data: what kms:ViaService should confine to DynamoDB.
usage_actions := exposing_actions | {
	"kms:encrypt",
	"kms:generatedatakey",
	"kms:generatedatakeywithoutplaintext",
	"kms:reencryptfrom",
	"kms:reencryptto",
}

# The actions of a set that a statement grants, lower case.
granted(statement, actions) := {action |
	some action in actions
	grants(statement, action)
}

grants(statement, action) if {
	statement.actions.kind == "Action"
	some pattern in statement.actions.patterns
	_kms_pattern_matches(pattern, action)
}

grants(statement, action) if {
	statement.actions.kind == "NotAction"
	not _action_listed(statement, action)
}

_action_listed(statement, action) if {
	some pattern in statement.actions.patterns
	_kms_pattern_matches(pattern, action)
}

_kms_pattern_matches(pattern, action) if pattern == action

_kms_pattern_matches(pattern, action) if {
	iam.wildcard(pattern)
	_kms_or_no_service(pattern)
	wildcards.matches(pattern, action)
}

_kms_or_no_service(pattern) if startswith(pattern, "kms:")

_kms_or_no_service(pattern) if not contains(pattern, ":")

# Key administrators: principals granted kms:PutKeyPolicy.
administers(statement) if grants(statement, "kms:putkeypolicy")

# The key's own account: one the plan deploys into (the account_ids parameter, or an account its
# provider configurations name) when its policy names one; else, of the principals its Allow
# statements name, the account named most often (the administrators' and the users' account).
# Another account granted kms:* is an administrator too, so administering alone does not tell the
# owner. A key has one account: when two are named as often, whichever owns the key, the other is
# another account, so the first of them is taken to be the owner and the others are judged.
# The key's own account, or this account when its policy names none.
owner(document) := account if {
	some account in _owner_accounts(document)
} else := requests.this_account

_owner_accounts(document) := {min(own)} if {
	own := {account |
		some account, _ in _mentions(document)
		account in reach.own_accounts
	}
	count(own) > 0
} else := {min({account |
	some account, n in _mentions(document)
	n == max([m | some m in _mentions(document)])
})} if {
	count(_mentions(document)) > 0
} else := set()

_mentions(document) := {account: count([i |
	some i, statement in document.statements
	iam.allows(statement)
	some principal in statement.principals.values
	_account_of(principal) == account
]) |
	some statement in document.statements
	some principal in statement.principals.values
	account := _account_of(principal)
}

# "AWS:arn:aws:iam::111122223333:root", "AWS:111122223333" -> "111122223333".
_account_of(principal) := match[1] if {
	match := regex.find_all_string_submatch_n(`^AWS:(?:arn:aws[a-z-]*:(?:iam|sts)::)?([0-9]{12})(?:$|:)`, principal, 1)[0]
}

# AWS principals outside the key's own account, for a statement.
foreign_principals(document, statement) := {principal |
	some principal in statement.principals.values
	account := _account_of(principal)
	not account in _owner_accounts(document)
}

# kms:ViaService names DynamoDB (any Region, or the one written) and nothing else.
via_dynamodb(statement) if {
	conditions := iam.conditions_on(statement, "kms:viaservice")
	count(conditions) > 0
	every condition in conditions {
		condition.operator in {"stringequals", "stringlike", "stringequalsignorecase"}
		condition.known
		count(condition.values) > 0
		every value in condition.values {
			regex.match(`^dynamodb\.[a-z0-9*-]+\.amazonaws\.com$`, lower(value))
		}
	}
}

# AWS principals (accounts, roles, users, anyone): service principals act for their service and
# are confined by their own encryption context.
aws_principals(statement) if {
	some principal in statement.principals.values
	startswith(principal, "AWS:")
}

aws_principals(statement) if iam.any_principal(statement)
