# METADATA
# title: Keys that protect tables have a key policy scoped to the account and to DynamoDB
# description: >-
#   A key policy decides who can decrypt a table's data outside DynamoDB. The rule judges the
#   aws_kms_key and aws_kms_replica_key resources that protect a table or replica of the plan
#   (directly or through an aws_kms_alias), by the key policy in force: an aws_kms_key_policy
#   attached to the key, else the key's policy argument. For an Allow statement that grants
#   kms:Decrypt or kms:CreateGrant (by name, by wildcard such as kms:* or *, or through NotAction) to
#   any principal ("*", AWS "*", NotPrincipal) or to an AWS principal of another account, the rule
#   asks the IAM evaluation core whether a caller of another account, calling KMS directly (its own
#   account as kms:CallerAccount, no kms:ViaService), gets through with the key policy's denies in
#   force: conditions count by whether that caller can meet them, not by their keys
#   (StringLike aws:PrincipalArn "arn:aws:iam::*" or StringNotEquals kms:CallerAccount of this account
#   narrow nothing; kms:ViaService with kms:CallerAccount of this account keep the key in this
#   account and DynamoDB whoever the principal is). The key's own account is an account the plan
#   deploys into (the account_ids parameter, allowed_account_ids) when its policy names one, else the
#   account its Allow statements name most often: another account granted kms:* administers the key
#   but does not own it, and of two accounts named as often one is another account whichever owns
#   the key. The request that gets through is the finding's witness.
#   Statements that let AWS principals use the key for data (Decrypt, Encrypt,
#   GenerateDataKey*, ReEncrypt*, CreateGrant) without administering it must carry kms:ViaService
#   = dynamodb.<region>.amazonaws.com, so that the key serves only DynamoDB; service principals are
#   confined by their own encryption context and not judged. An aws_kms_grant of such a key (a
#   replica key too) that grants data operations (Decrypt, Encrypt, GenerateDataKey*, ReEncrypt*,
#   CreateGrant, or operations known only after apply) to a principal other than a service is a
#   violation on the grant: a grant bypasses the key policy and cannot carry kms:ViaService. A key without a policy gets the
#   default key policy (the account root, through IAM): accepted, like keys outside the plan
#   (literal ARNs), which the plan cannot show. A policy or principals only known after apply, or an
#   aws_kms_key_policy whose key cannot be told, give DDB-ENC-006-UNPROVABLE; principals only known
#   after apply do not when the statement, granted to anyone, still lets no caller use the key
#   outside DynamoDB (kms:ViaService = dynamodb.<region>.amazonaws.com with kms:CallerAccount of this
#   account: the key stays in this account and DynamoDB whoever the principal turns out to be).
# custom:
#   id: DDB-ENC-006
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Grant key administration to the account's administrators only, and data-key use to the
#     account root (or named roles) with a kms:ViaService = dynamodb.<region>.amazonaws.com
#     condition; never to "*" or another account without kms:CallerAccount or aws:PrincipalOrgID
#     (the SecureTable construct writes such a policy).
#   concept: Encryption at rest (KMS)
#   example: |
#     data "aws_iam_policy_document" "sessions_key" {
#       statement {
#         sid       = "KeyAdministration"
#         actions   = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
#                      "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*"]
#         resources = ["*"]
#         principals {
#           type        = "AWS"
#           identifiers = ["arn:aws:iam::111122223333:root"]
#         }
#       }
#       statement {
#         sid       = "KeyUsageThroughDynamoDbOnly"
#         actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
#                      "kms:CreateGrant", "kms:DescribeKey"]
#         resources = ["*"]
#         principals {
#           type        = "AWS"
#           identifiers = ["arn:aws:iam::111122223333:root"]
#         }
#         condition {
#           test     = "StringEquals"
#           variable = "kms:ViaService"
#           values   = ["dynamodb.eu-west-1.amazonaws.com"]
#         }
#       }
#     }
#
#     resource "aws_kms_key" "sessions" {
#       enable_key_rotation = true
#       policy              = data.aws_iam_policy_document.sessions_key.json
#     }
package ddb_guardrails.rules.encryption.key_policy_scope

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.kms.key_policies
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

violation contains finding if {
	some [key, document, i, statement] in allow_statements
	iam.any_principal(statement)
	exposed := key_policies.granted(statement, key_policies.exposing_actions)
	count(exposed) > 0
	found := exposure(document, statement, exposed, [outsider])
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			key,
			sprintf("the key policy lets any principal %s with no narrowing condition", [action_list(exposed)]),
			array.concat([statement_evidence(document, i, statement)], sort(key_policies.table_keys[key])),
		),
		{"witness": found},
	)
}

violation contains finding if {
	some [key, document, i, statement] in allow_statements
	foreign := key_policies.foreign_principals(document, statement)
	count(foreign) > 0
	exposed := key_policies.granted(statement, key_policies.exposing_actions)
	count(exposed) > 0
	found := exposure(document, statement, exposed, [requests.principal_of(principal) | some principal in sort(foreign)])
	finding := object.union(
		findings.violation(
			rego.metadata.chain(),
			key,
			sprintf("the key policy lets another account (%s) %s with no narrowing condition", [concat(", ", sort(foreign)), action_list(exposed)]),
			array.concat([statement_evidence(document, i, statement)], sort(key_policies.table_keys[key])),
		),
		{"witness": found},
	)
}

violation contains finding if {
	some [key, document, i, statement] in allow_statements
	key_policies.aws_principals(statement)
	not key_policies.administers(statement)
	used := key_policies.granted(statement, key_policies.usage_actions)
	count(used) > 0
	not key_policies.via_dynamodb(statement)
	finding := findings.violation(
		rego.metadata.chain(),
		key,
		sprintf("the key policy lets principals %s outside DynamoDB (no kms:ViaService = dynamodb.<region>.amazonaws.com)", [action_list(used)]),
		array.concat([statement_evidence(document, i, statement)], sort(key_policies.table_keys[key])),
	)
}

violation contains finding if {
	some key, uses in key_policies.table_keys
	some document in key_policies.documents(key)
	document.status == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		key,
		sprintf("the key policy (%s) cannot be read before apply", [document.path]),
		array.concat([concat(": ", [document.origin, document.reason])], sort(uses)),
	)
}

violation contains finding if {
	some [key, document, i, statement] in known_statements
	iam.allows(statement)
	not statement.principals.known
	not scoped_whoever(document, statement)
	finding := findings.unprovable(
		rego.metadata.chain(),
		key,
		sprintf("%s statement[%d]: the principals are only known after apply", [document.path, i]),
		array.concat([sprintf("%s statement[%d].principals: (known after apply)", [document.origin, i])], sort(key_policies.table_keys[key])),
	)
}

# A key on the default policy may yet get one from an aws_kms_key_policy the plan cannot place.
violation contains finding if {
	some key, uses in key_policies.table_keys
	every document in key_policies.documents(key) {
		document.status == "absent"
	}
	some address, evidence in key_policies.unattached_policies
	finding := findings.unprovable(
		rego.metadata.chain(),
		key,
		sprintf("the key has no policy of its own, and %s may attach one that the plan cannot show", [address]),
		array.concat([evidence], sort(uses)),
	)
}

# A grant hands out the key's use without any key policy statement, and it cannot carry kms:ViaService:
# data operations granted to any AWS principal reach the table's data outside DynamoDB.
violation contains finding if {
	some address, grant in plan.of_type("aws_kms_grant")
	some source in references.sources(grant, ["key_id"])
	source.kind == "resource"
	some key in key_policies.subjects(source.address)
	key_policies.table_keys[key]
	used := granted_operations(grant)
	count(used) > 0
	not service_grantee(grant)
	finding := findings.witnessed(
		rego.metadata.chain(),
		address,
		sprintf("the grant lets %s %s with %s outside DynamoDB (a grant cannot require kms:ViaService)", [
			grantee(grant), concat(", ", sort(used)), key,
		]),
		array.concat([grant_evidence(address, grant)], sort(key_policies.table_keys[key])),
		{
			"principal": grantee_principal(grant),
			"action": concat("", ["kms:", min(used)]),
			"resource": key_arn_of(key),
			"context": {},
		},
	)
}

# The grantee as a caller: its ARN and account when written out.
grantee_principal(grant) := {"arn": arn, "account": split(arn, ":")[4], "type": "AWS", "tags": {}} if {
	arn := grant.after.grantee_principal
	is_string(arn)
	count(split(arn, ":")) >= 6
} else := {"arn": grantee(grant), "account": "", "type": "AWS", "tags": {}}

key_arn_of(key) := arn if {
	arn := plan.resources[key].after.arn
	is_string(arn)
} else := concat("", ["arn:aws:kms:", requests.default_region, ":", requests.this_account, ":key/", key])

# Lists, not sets: each element holds its whole document (see iam.documents_of_kind).
known_statements := [[key, document, i, statement] |
	some key, _ in key_policies.table_keys
	some document in key_policies.documents(key)
	document.status == "known"
	some i, statement in document.statements
]

allow_statements := [[key, document, i, statement] |
	some [key, document, i, statement] in known_statements
	iam.allows(statement)
	statement.principals.known
]

action_list(actions) := concat(", ", sort(actions))

# A statement whose principals are only known after apply is scoped when, granted to anyone, it
# still lets no caller use the key outside DynamoDB: neither a caller of another account nor one of
# the key's own account calling KMS directly (kms:ViaService and kms:CallerAccount of this account
# keep the key in this account and DynamoDB, whoever the principal turns out to be).
scoped_whoever(document, statement) if {
	count(statement.conditions) > 0
	statement.resources.kind
	used := key_policies.granted(statement, key_policies.usage_actions)
	anyone := object.union(statement, {"principals": {"kind": "Principal", "values": {"*"}, "known": true}})
	not exposure(document, anyone, used, [outsider, insider(document)])
}

insider(document) := requests.unnamed_caller(key_policies.owner(document), "role")

# The first request by a caller of another account that uses the key for what the statement exposes,
# with the context that caller sets (its own account as kms:CallerAccount, no kms:ViaService: it
# calls KMS directly), asked of the IAM evaluation core with the key policy's denies in force.
exposure(document, statement, exposed, callers) := requests.witness([{
	"request": {
		"principal": caller,
		"action": action_name(action),
		"resource": key_arn(document),
		"context": {"kms:CallerAccount": caller.account},
	},
	"policies": {
		"identity": [requests.anything],
		"resource": [requests.asked(document, statement)],
		"resource_account": key_policies.owner(document),
	},
} |
	some caller in callers
	some action in sort(exposed)
])

# "kms:decrypt" -> "kms:Decrypt"
action_name(action) := object.get({"kms:decrypt": "kms:Decrypt", "kms:creategrant": "kms:CreateGrant"}, action, action)

key_arn(document) := concat("", ["arn:aws:kms:", requests.default_region, ":", key_policies.owner(document), ":key/", requests.probe_name])

outsider := requests.unnamed_caller(requests.other_account, "role")

statement_evidence(document, i, statement) := sprintf("%s statement[%d]%s: Allow %s %s to %s %s", [
	document.origin,
	i,
	sid_text(statement.sid),
	statement.actions.kind,
	json.marshal(statement.actions.written),
	statement.principals.kind,
	json.marshal(sort(statement.principals.values)),
])

sid_text("") := ""

sid_text(sid) := sprintf(" (Sid %s)", [sid]) if sid != ""

grant_operations := {
	"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
	"GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant",
}

grant_evidence(address, grant) := sprintf("%s: operations %s, grantee_principal %s", [
	address,
	json.marshal(object.get(grant.after, "operations", [])),
	grantee(grant),
])

# Operations only known after apply may be any of them.
granted_operations(grant) := grant_operations if grant.unknown.operations == true

granted_operations(grant) := {op | some op in grant.after.operations; op in grant_operations} if not grant.unknown.operations == true

service_grantee(grant) if {
	principal := grant.after.grantee_principal
	is_string(principal)
	not startswith(principal, "arn:")
	endswith(principal, ".amazonaws.com")
}

grantee(grant) := grant.after.grantee_principal if is_string(grant.after.grantee_principal)

grantee(grant) := "a principal known only after apply" if not is_string(grant.after.grantee_principal)
