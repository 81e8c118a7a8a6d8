package ddb_guardrails.access_test

import rego.v1

import data.ddb_guardrails.access
import data.ddb_guardrails.lib.fixtures_test as fixtures

map_of(name) := result if {
	result := access.map with input as fixtures.plan(name)
}

# {[table address, policy, principal]: sorted capabilities}; "" is any table.
rows(name) := object.union(
	{[table.address, row.policy, row.principal]: sort(object.keys(row.capabilities)) |
		some table in map_of(name).tables
		some row in table.principals
	},
	{["", row.policy, row.principal]: sort(object.keys(row.capabilities)) |
		some row in map_of(name).any_table.principals
	},
)

test_a_decoy_deny_leaves_scan_and_protected_writes_while_a_real_one_refuses_them if {
	found := rows("iam-01-decoy-denies")
	found[sessions("aws_iam_policy.invalid_scan_deny_on_other_table", user)] == ["read_bound", "scan"]
	found[sessions("aws_iam_policy.invalid_protected_deny_unmet_condition", user)] == ["read_bound", "write_protected"]
	found[sessions("aws_iam_policy.valid_denies_on_the_granted_table", user)] == ["read_bound"]
}

sessions(policy, principal) := ["aws_dynamodb_table.sessions", policy, principal]

user := "user/ddb-guardrails-caller"

partner := "any principal of account 444455556666"

test_each_capability_keeps_the_request_the_core_allowed if {
	some table in map_of("iam-01-decoy-denies").tables
	some row in table.principals
	row.policy == "aws_iam_policy.invalid_scan_deny_on_other_table"
	row.capabilities.scan == {
		"principal": {"arn": "arn:aws:iam::111122223333:user/ddb-guardrails-caller", "account": "111122223333", "type": "AWS", "tags": {}},
		"action": "dynamodb:Scan",
		"resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions",
		"context": {"aws:SecureTransport": "true", "dynamodb:Select": "ALL_ATTRIBUTES"},
	}
}

test_a_stream_resource_policy_names_the_account_it_opens_to if {
	found := rows("iam-04-streams")
	found[sessions("aws_dynamodb_resource_policy.invalid_stream_to_partner", partner)] == ["read_stream"]
	archiver := "arn:aws:iam::111122223333:role/stream-archiver"
	found[sessions("aws_dynamodb_resource_policy.valid_stream_to_own_archiver", archiver)] == ["read_stream"]
}

test_a_policy_on_every_stream_is_listed_under_any_table if {
	rows("iam-04-streams")[["", "aws_iam_group_policy.invalid_group_reads_every_stream", "users of group/analysts"]] == ["read_stream"]
}

test_managed_policies_are_named_by_what_attaches_them if {
	found := rows("fgac-managed-policies")
	found[["", "aws_iam_role_policy_attachment.invalid_dynamodb_full_access", "role/app"]] == capabilities_all
	group := ["", "aws_iam_group_policy_attachment.invalid_dynamodb_read_only", "users of group/app"]
	found[group] == ["read_bound", "read_unbound", "scan"]
}

# Every capability a DynamoDB policy grants (decrypt comes from a key policy).
capabilities_all := sort([capability | some capability in access.capabilities; capability != "decrypt"])

test_a_policy_that_cannot_be_read_is_listed_not_omitted if {
	some note in map_of("fgac-managed-policies").any_table.unprovable
	note.policy == "aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan"
}

test_a_tables_unreadable_resource_policy_is_listed_with_the_table if {
	some table in map_of("fgac-resource-policy").tables
	table.address == "aws_dynamodb_table.shared"
	{note.policy | some note in table.unprovable} == {"aws_dynamodb_resource_policy.invalid_unresolvable_policy"}
}

test_administration_on_named_tables_is_not_a_read if {
	holders := "user/ddb-guardrails-caller, role/ddb-guardrails-caller"
	rows("fgac-admin-actions")[sessions("aws_iam_policy.valid_named_tables", holders)] == ["administer", "export"]
}

test_a_resource_policy_for_another_account_exports_the_table if {
	rows("iam-07-exfiltration")[sessions("aws_dynamodb_resource_policy.invalid_partner_export", partner)] == ["export"]
}

test_a_plan_without_policies_has_an_empty_map if {
	found := map_of("table-unencrypted")
	found.any_table == {"principals": [], "unprovable": []}
	every table in found.tables {
		table.principals == []
	}
}

# A table's key: who the key policy lets decrypt outside DynamoDB. The account that owns the key
# through IAM, another account granted kms:*, anyone behind a condition that narrows nothing; a key
# scoped to the account and DynamoDB lets no one else.
test_the_key_of_a_table_shows_who_decrypts_it_outside_dynamodb if {
	found := rows("iam-03-key-policies")
	found[[`aws_dynamodb_table.tables["sessions"]`, "aws_kms_key.invalid_partner_kms_star", partner]] == ["decrypt"]
	found[[`aws_dynamodb_table.tables["sessions"]`, "aws_kms_key.invalid_caller_account_not_equals", "any principal of another account"]] == ["decrypt"]
	not found[[`aws_dynamodb_table.tables["sessions"]`, "aws_kms_key.valid_account_and_dynamodb", "any principal of another account"]]
	not found[[`aws_dynamodb_table.tables["sessions"]`, "aws_kms_key.valid_account_and_dynamodb", partner]]
}

test_a_decrypt_row_keeps_the_request_the_core_allowed if {
	some table in map_of("iam-03-key-policies").tables
	some row in table.principals
	row.policy == "aws_kms_key.invalid_partner_kms_star"
	row.principal == partner
	row.capabilities.decrypt.action == "kms:Decrypt"
	row.capabilities.decrypt.context == {"kms:CallerAccount": "444455556666"}
}
