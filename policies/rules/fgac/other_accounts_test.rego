package ddb_guardrails.rules.fgac.other_accounts_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.rules.fgac.other_accounts

subject := "fgac/other_accounts"

this_account := {"account_ids": ["111122223333"]}

finding_on(address) := f if {
	some f in fixtures.violations_with_parameters(subject, fixtures.plan("reach-exfiltration"), this_account)
	f.address == address
}

test_data_leaving_for_another_account_is_flagged if {
	fixtures.pairs(fixtures.violations_with_parameters(subject, fixtures.plan("reach-exfiltration"), this_account)) == {
		["aws_dynamodb_resource_policy.invalid_export_to_other_account", "DDB-FGAC-010"],
		["aws_dynamodb_resource_policy.invalid_stream_to_other_account", "DDB-FGAC-010"],
		["aws_dynamodb_table_export.invalid_bucket_of_other_account", "DDB-FGAC-010"],
		["aws_s3_bucket_policy.invalid_exports_readable_by_other_account", "DDB-FGAC-010"],
		["aws_backup_plan.invalid_copy_to_other_account", "DDB-FGAC-010"],
		["aws_backup_vault_policy.invalid_vault_open_to_anyone", "DDB-FGAC-010"],
		["aws_kinesis_resource_policy.invalid_stream_readable_by_other_account", "DDB-FGAC-010"],
	}
}

# Without the accounts of the plan, a policy naming an account cannot be judged, this account's own
# exporter included (valid once the plan's account is known); the export's bucket owner and the
# backup copy are not reported, and the vault open to anyone is flagged either way.
test_without_this_accounts_id_named_accounts_are_unprovable if {
	fixtures.pairs(fixtures.violations_with_parameters(subject, fixtures.plan("reach-exfiltration"), {})) == {
		["aws_dynamodb_resource_policy.invalid_export_to_other_account", "DDB-FGAC-010-UNPROVABLE"],
		["aws_dynamodb_resource_policy.invalid_stream_to_other_account", "DDB-FGAC-010-UNPROVABLE"],
		["aws_dynamodb_resource_policy.valid_own_account_and_describe", "DDB-FGAC-010-UNPROVABLE"],
		["aws_s3_bucket_policy.invalid_exports_readable_by_other_account", "DDB-FGAC-010-UNPROVABLE"],
		["aws_kinesis_resource_policy.invalid_stream_readable_by_other_account", "DDB-FGAC-010-UNPROVABLE"],
		["aws_backup_vault_policy.invalid_vault_open_to_anyone", "DDB-FGAC-010"],
	}
}

test_the_witness_is_the_other_accounts_request if {
	f := finding_on("aws_dynamodb_resource_policy.invalid_export_to_other_account")
	f.message == "policy statement[0] allows dynamodb:ExportTableToPointInTime to account 444455556666"
	f.witness == {
		"principal": {"arn": "arn:aws:iam::444455556666:role/any-role", "account": "444455556666", "type": "AWS", "tags": {}},
		"action": "dynamodb:ExportTableToPointInTime",
		"resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
		"context": {},
	}
	vault := finding_on("aws_backup_vault_policy.invalid_vault_open_to_anyone")
	vault.witness.action == "backup:StartRestoreJob"
	vault.witness.resource == "arn:aws:backup:eu-west-1:111122223333:backup-vault:orders"
	backup := finding_on("aws_backup_plan.invalid_copy_to_other_account")
	backup.message == `rule "daily" copies the backups of DynamoDB tables into a vault of account 444455556666`
}

test_accounts_named_by_the_provider_are_this_plans if {
	found := reach.deployed_accounts({"config_key": "aws_dynamodb_table.t"}) with input as {"configuration": {
		"provider_config": {"aws.data": {"expressions": {"assume_role": [{"role_arn": {"constant_value": "arn:aws:iam::444455556666:role/deploy"}}]}}},
		"root_module": {"resources": [{"address": "aws_dynamodb_table.t", "provider_config_key": "aws.data"}]},
	}}
	found == {"444455556666"}
}

test_a_vault_open_to_anyone_only_matters_when_tables_are_backed_up if {
	not other_accounts.backs_up_tables with input as fixtures.plan("model-compliant-stack")
}

# iam-07-exfiltration with the statements of its policy document data sources known only after apply.
unreadable_documents := json.patch(plan, [{"op": "replace", "path": sprintf("/resource_changes/%d/change/after_unknown/statement", [i]), "value": true} |
	some i, change in plan.resource_changes
	change.mode == "data"
]) if {
	plan := fixtures.plan("iam-07-exfiltration")
}

test_an_export_bucket_or_stream_policy_read_only_at_apply_is_unprovable if {
	found := fixtures.violations(subject, unreadable_documents)
		with data.ddb_guardrails_config.parameters as this_account
	unprovable := {[f.address, f.evidence] | some f in found; f.rule == "DDB-FGAC-010-UNPROVABLE"}
	unprovable == {
		["aws_s3_bucket_policy.exports", ["its statements are only known after apply"]],
		["aws_kinesis_resource_policy.changes", ["its statements are only known after apply"]],
	}
}

test_an_export_bucket_and_stream_readable_by_another_account_are_flagged if {
	found := fixtures.violations_with_parameters(subject, fixtures.plan("iam-07-exfiltration"), this_account)
	{f.address | some f in found; f.message in {
		"policy statement[0] allows s3:GetObject to account 444455556666",
		"policy <- data.aws_iam_policy_document.changes statement[0] allows kinesis:GetRecords to account 444455556666",
	}} == {"aws_s3_bucket_policy.exports", "aws_kinesis_resource_policy.changes"}
}
