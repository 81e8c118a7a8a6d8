# METADATA
# title: Table data does not leave for another account
# description: >-
#   A table's data can leave its account without any identity policy of it: another account granted
#   export, backup or stream reads by the table's resource policy, an export into a bucket another
#   account owns or may read, AWS Backup copies into another account's vault or a vault anyone may use,
#   a Kinesis streaming destination another account may read. The rule judges, for the accounts the
#   plan deploys into (the account_ids parameter, and the account its provider configurations name with
#   allowed_account_ids or an assume_role role ARN): an aws_dynamodb_resource_policy Allow (table or
#   stream) of ExportTableToPointInTime, PutResourcePolicy, DeleteResourcePolicy,
#   UpdateContinuousBackups, CreateBackup, RestoreTable*, GetRecords or GetShardIterator (by name,
#   wildcard or NotAction) to an AWS principal of another account (any principal is DDB-FGAC-005's); an
#   aws_dynamodb_table_export whose s3_bucket_owner is another account; an aws_s3_bucket_policy of an
#   export's bucket that allows s3:GetObject to another account, or to any principal without a
#   condition that narrows the caller (read as for DDB-FGAC-005); and, when an aws_backup_selection
#   selects DynamoDB tables, an aws_backup_plan copy_action into a vault of another account and an
#   aws_backup_vault_policy Allow to another account or to any principal without such a condition; an
#   aws_kinesis_resource_policy of a table's streaming destination that allows kinesis:GetRecords to
#   another account or anyone. Where the plan names no account of its own, a policy that names an
#   account is DDB-FGAC-010-UNPROVABLE; so is a policy that cannot be read before apply, including the
#   bucket policy of an export and the resource policy of a destination stream (a jsonencode of an
#   ARN known only after apply, read without the Terraform source: give the source, or write it with
#   an aws_iam_policy_document data source). Whether the
#   export's or the stream's key also lets that account decrypt is DDB-ENC-007's and DDB-ENC-008's
#   question.
# custom:
#   id: DDB-FGAC-010
#   guardrail: fgac
#   severity: critical
#   remediation: >-
#     Keep exports, backups and stream consumers in the table's account (or an account listed in
#     account_ids): remove the other account from the resource, bucket, vault or stream policy, export
#     into a bucket of this account, and copy backups into a vault of this account.
#   concept: IAM-only access model (no DB users)
#   example: |
#     resource "aws_dynamodb_table_export" "orders" {
#       table_arn         = aws_dynamodb_table.orders.arn
#       s3_bucket         = aws_s3_bucket.exports.id # a bucket of this account, no s3_bucket_owner
#       s3_sse_algorithm  = "KMS"
#       s3_sse_kms_key_id = aws_kms_key.exports.arn
#     }
package ddb_guardrails.rules.fgac.other_accounts

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.conditions as iam_conditions
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.iam.readers
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.s3

# Table actions that copy data out, or hand the table's access or recovery to the caller.
leaving_actions := {
	"exporttabletopointintime", "putresourcepolicy", "deleteresourcepolicy", "updatecontinuousbackups",
	"createbackup", "restoretablefrombackup", "restoretabletopointintime", "getrecords", "getsharditerator",
}

# [holder, statement index, statement, caller]: a caller is {"account", "who"} of another account,
# "anyone" for any principal without a narrowing condition (when counted), or {"unknown"} when the plan
# names no account of its own.
outside_callers(holder, statement, count_anyone) := {caller |
	statement.principals.known
	some principal in statement.principals.values
	caller := outside_caller(holder, statement, principal, count_anyone)
}

outside_caller(holder, _, principal, _) := {"account": account, "who": sprintf("account %s", [account])} if {
	account := reach.principal_account(principal)
	own := reach.deployed_accounts(holder)
	count(own) > 0
	not account in own
}

outside_caller(holder, _, principal, _) := {"account": "unknown", "who": sprintf("account %s", [account])} if {
	account := reach.principal_account(principal)
	count(reach.deployed_accounts(holder)) == 0
}

outside_caller(_, statement, principal, true) := {"account": reach.outside_account, "who": "any principal of any account"} if {
	principal in {"*", "AWS:*"}
	not iam_conditions.narrows_caller(statement)
}

# One question per holder: {"holder", "what", "statement", "actions", "count_anyone", "resource"}.
questions contains {
	"holder": document.holder,
	"document": document,
	"actions": [iam.display_name(action) | some action in sort(actions)],
	"statement": [i, statement],
	"count_anyone": false,
	"resource": resource_text(statement, document.holder),
} if {
	some document in iam.documents_of_kind("dynamodb_resource")
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	actions := iam.covered_actions(statement) & leaving_actions
	count(actions) > 0
}

questions contains {
	"holder": document.holder,
	"document": document,
	"actions": ["s3:GetObject"],
	"statement": [i, statement],
	"count_anyone": true,
	"resource": sprintf("arn:aws:s3:::%s/AWSDynamoDB/any-export/data/any.json.gz", [bucket_name(bucket)]),
} if {
	some export in plan.of_type("aws_dynamodb_table_export")
	some bucket in s3.pointed_buckets(export, ["s3_bucket"])
	some holder in s3.attached("aws_s3_bucket_policy", bucket)
	some document in iam.documents_of_kind("bucket")
	document.holder == holder
	document.status == "known"
	some i, statement in document.statements
	reach.allows_action(statement, "s3:getobject")
}

questions contains {
	"holder": address,
	"document": document,
	"actions": ["kinesis:GetRecords"],
	"statement": [i, statement],
	"count_anyone": true,
	"resource": sprintf("arn:aws:kinesis:%s:%s:stream/%s", [
		reach.region_text(policy), reach.account_text(policy), stream_name,
	]),
} if {
	some address, policy in plan.of_type("aws_kinesis_resource_policy")
	some source in references.sources(policy, ["resource_arn"])
	destination_stream(source.address)
	stream_name := object.get(plan.resources[source.address].after, "name", "any-stream")
	some document in iam.resolve(policy, ["policy"])
	document.status == "known"
	some i, statement in document.statements
	reach.allows_action(statement, "kinesis:getrecords")
}

questions contains {
	"holder": address,
	"document": document,
	"actions": [vault_action(statement)],
	"statement": [i, statement],
	"count_anyone": true,
	"resource": sprintf("arn:aws:backup:%s:%s:backup-vault:%s", [
		reach.region_text(policy), reach.account_text(policy), object.get(policy.after, "backup_vault_name", "any-vault"),
	]),
} if {
	backs_up_tables
	some address, policy in plan.of_type("aws_backup_vault_policy")
	some document in iam.resolve(policy, ["policy"])
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	count(statement.actions.written) > 0
}

violation contains finding if {
	some question in questions
	[i, statement] := question.statement
	some caller in outside_callers(plan.resources[question.holder], statement, question.count_anyone)
	caller.account != "unknown"
	finding := findings.witnessed(
		rego.metadata.chain(),
		question.holder,
		sprintf("%s statement[%d] allows %s to %s", [path_of(question.document), i, concat(", ", question.actions), caller.who]),
		[sprintf("%s statement[%d]: %s %s, %s; this plan's accounts: %s", [
			question.document.origin, i, statement.principals.kind, json.marshal(statement.principals.values),
			iam_conditions.describe_conditions(statement), accounts_text(question.holder),
		])],
		reach.witness(caller_principal(caller), question.actions[0], question.resource, reach.context_for(statement)),
	)
}

violation contains finding if {
	some question in questions
	[i, statement] := question.statement
	some caller in outside_callers(plan.resources[question.holder], statement, question.count_anyone)
	caller.account == "unknown"
	finding := findings.unprovable(
		rego.metadata.chain(),
		question.holder,
		sprintf("%s statement[%d] allows %s to %s, and the plan does not tell whether it is another account", [
			path_of(question.document), i, concat(", ", question.actions), caller.who,
		]),
		[sprintf("%s statement[%d]: %s %s; no account_ids parameter, no allowed_account_ids or assume_role on the provider", [
			question.document.origin, i, statement.principals.kind, json.marshal(statement.principals.values),
		])],
	)
}

# The policy of an export's bucket or of a streaming destination's stream that cannot be read before
# apply (a jsonencode of an ARN known only after apply): who it lets in is unknown.
violation contains finding if {
	some holder in {document.holder | some document in copy_documents; document.status == "unprovable"}
	finding := findings.unprovable(
		rego.metadata.chain(),
		holder,
		"the policy cannot be read before apply, so whether it lets another account read table data is unknown",
		sort({document.reason | some document in copy_documents; document.holder == holder; document.status == "unprovable"}),
	)
}

# Exports into a bucket another account owns.
violation contains finding if {
	some address, export in plan.of_type("aws_dynamodb_table_export")
	owner := export.after.s3_bucket_owner
	is_string(owner)
	own := reach.deployed_accounts(export)
	count(own) > 0
	not owner in own
	finding := findings.witnessed(
		rego.metadata.chain(),
		address,
		sprintf("exports the table into a bucket of account %s", [owner]),
		[sprintf("s3_bucket = %s, s3_bucket_owner = %s; this plan's accounts: %s", [
			json.marshal(object.get(export.after, "s3_bucket", null)), owner, accounts_text(address),
		])],
		reach.witness(
			caller_principal({"account": owner}), "s3:GetObject",
			sprintf("arn:aws:s3:::%s/AWSDynamoDB/any-export/data/any.json.gz", [object.get(export.after, "s3_bucket", "any-bucket")]),
			{},
		),
	)
}

# Backups of the tables copied into a vault of another account.
violation contains finding if {
	backs_up_tables
	some address, backup_plan in plan.of_type("aws_backup_plan")
	some rule in object.get(backup_plan.after, "rule", [])
	some copy in object.get(rule, "copy_action", [])
	vault := copy.destination_vault_arn
	account := reach.arn_account(vault)
	own := reach.deployed_accounts(backup_plan)
	count(own) > 0
	not account in own
	finding := findings.witnessed(
		rego.metadata.chain(),
		address,
		sprintf("rule %s copies the backups of DynamoDB tables into a vault of account %s", [json.marshal(rule.rule_name), account]),
		[sprintf("rule %s copy_action destination_vault_arn = %s; this plan's accounts: %s", [
			json.marshal(rule.rule_name), vault, accounts_text(address),
		])],
		reach.witness(caller_principal({"account": account}), "backup:StartRestoreJob", vault, {}),
	)
}

# The policies of the exports' buckets and of the destinations' streams.
copy_documents contains document if {
	some export in plan.of_type("aws_dynamodb_table_export")
	some bucket in s3.pointed_buckets(export, ["s3_bucket"])
	some document in readers.bucket_documents(bucket)
}

copy_documents contains document if {
	some destination in plan.of_type("aws_dynamodb_kinesis_streaming_destination")
	some source in references.sources(destination, ["stream_arn"])
	some document in readers.stream_documents(source.address)
}

# Some backup selection of the plan selects DynamoDB tables: "*", a DynamoDB ARN, or a table of the plan.
backs_up_tables if {
	some selection in plan.of_type("aws_backup_selection")
	some value in object.get(selection.after, "resources", [])
	iam.dynamodb_resource(value)
}

backs_up_tables if {
	some selection in plan.of_type("aws_backup_selection")
	some source in references.sources(selection, ["resources"])
	startswith(object.get(plan.resources, [source.address, "type"], ""), "aws_dynamodb_")
}

destination_stream(stream) if {
	some destination in plan.of_type("aws_dynamodb_kinesis_streaming_destination")
	some source in references.sources(destination, ["stream_arn"])
	source.address == stream
}

bucket_name(bucket) := name if {
	name := plan.resources[bucket].after.bucket
	is_string(name)
} else := "any-bucket"

resource_text(statement, _) := statement.resources.values[0] if {
	statement.resources.kind == "Resource"
	count(statement.resources.values) > 0
	is_string(statement.resources.values[0])
	statement.resources.values[0] != "*"
}

resource_text(statement, holder) := sprintf("arn:aws:dynamodb:%s:%s:table/any-table", [
	reach.region_text(plan.resources[holder]), reach.account_text(plan.resources[holder]),
]) if {
	not concrete_resource(statement)
}

concrete_resource(statement) if {
	statement.resources.kind == "Resource"
	count(statement.resources.values) > 0
	is_string(statement.resources.values[0])
	statement.resources.values[0] != "*"
}

# The vault action a witness names: one that takes recovery points out, else the first one allowed.
vault_action(statement) := [name |
	some name in ["backup:CopyFromBackupVault", "backup:StartRestoreJob", "backup:CopyIntoBackupVault"]
	reach.allows_action(statement, lower(name))
][0] if {
	some name in ["backup:copyfrombackupvault", "backup:startrestorejob", "backup:copyintobackupvault"]
	reach.allows_action(statement, name)
} else := statement.actions.written[0]

# Documents read directly (iam.resolve) carry no path: their origin is it.
path_of(document) := object.get(document, "path", document.origin)

caller_principal(caller) := {
	"arn": sprintf("arn:aws:iam::%s:role/any-role", [caller.account]),
	"account": caller.account,
	"type": "AWS",
	"tags": {},
}

accounts_text(address) := concat(", ", sort(reach.deployed_accounts(plan.resources[address])))
