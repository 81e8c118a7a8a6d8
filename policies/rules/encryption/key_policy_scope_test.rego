package ddb_guardrails.rules.encryption.key_policy_scope_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "encryption/key_policy_scope"

messages_on(name, address) := {f.message | some f in found; f.address == address} if {
	found := fixtures.violations(subject, fixtures.plan(name))
}

test_public_cross_account_and_unconfined_usage_are_flagged_on_the_key if {
	fixtures.findings_for(subject, "enc-key-policy") == {
		["aws_kms_key.invalid_public_key", "DDB-ENC-006"],
		["aws_kms_key.invalid_cross_account_key", "DDB-ENC-006"],
		["aws_kms_key.invalid_usage_outside_dynamodb_key", "DDB-ENC-006"],
		["aws_kms_key.unprovable_policy_key", "DDB-ENC-006-UNPROVABLE"],
	}
}

test_a_foreign_account_without_a_condition_breaks_both_scopes if {
	messages_on("enc-key-policy", "aws_kms_key.invalid_cross_account_key") == {
		"the key policy lets another account (AWS:arn:aws:iam::444455556666:root) kms:creategrant, kms:decrypt with no narrowing condition",
		"the key policy lets principals kms:creategrant, kms:decrypt outside DynamoDB (no kms:ViaService = dynamodb.<region>.amazonaws.com)",
	}
}

test_the_default_policy_an_attached_policy_and_narrowed_grants_pass if {
	found := fixtures.findings_for(subject, "enc-key-policy")
	every key in ["valid_default_policy", "valid_scoped_policy", "valid_attached_policy", "valid_cross_account_narrowed", "valid_unused_public_key"] {
		count({f | some f in found; f[0] == concat(".", ["aws_kms_key", key])}) == 0
	}
}

test_the_constructs_key_policies_pass if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "terraform-modules-secure-table") == set()
}

policy_key(policy) := {
	"resource_changes": [
		{
			"address": "aws_kms_key.k",
			"mode": "managed",
			"type": "aws_kms_key",
			"name": "k",
			"change": {"actions": ["create"], "after": {"policy": policy}, "after_unknown": {"arn": true}},
		},
		{
			"address": "aws_dynamodb_table.t",
			"mode": "managed",
			"type": "aws_dynamodb_table",
			"name": "t",
			"change": {
				"actions": ["create"],
				"after": {"server_side_encryption": [{"enabled": true}]},
				"after_unknown": {"server_side_encryption": [{"kms_key_arn": true}]},
			},
		},
	],
	"configuration": {"root_module": {"resources": [
		{"address": "aws_kms_key.k", "expressions": {}},
		{"address": "aws_dynamodb_table.t", "expressions": {"server_side_encryption": [{"kms_key_arn": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}}]}},
	]}},
}

admin := {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}

test_notaction_and_notprincipal_count_as_grants if {
	statement := {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/x"}, "NotAction": "kms:Encrypt", "Resource": "*"}
	found := fixtures.violations(subject, policy_key(json.marshal({"Statement": [admin, statement]})))
	{f.message | some f in found} == {"the key policy lets any principal kms:creategrant, kms:decrypt with no narrowing condition"}
}

test_a_via_service_of_another_service_does_not_confine_usage_to_dynamodb if {
	statement := {
		"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:Decrypt", "Resource": "*",
		"Condition": {"StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com"]}},
	}
	found := fixtures.violations(subject, policy_key(json.marshal({"Statement": [admin, statement]})))
	{f.message | some f in found} == {"the key policy lets principals kms:decrypt outside DynamoDB (no kms:ViaService = dynamodb.<region>.amazonaws.com)"}
}

test_a_key_policy_of_an_unknown_key_makes_a_default_policy_unprovable if {
	plan := policy_key(null)
	extra := {
		"address": "aws_kms_key_policy.p",
		"mode": "managed",
		"type": "aws_kms_key_policy",
		"name": "p",
		"change": {"actions": ["create"], "after": {"policy": "{}"}, "after_unknown": {"key_id": true}},
	}
	config := {"address": "aws_kms_key_policy.p", "expressions": {"key_id": {"references": ["local.key"]}}}
	found := fixtures.violations(subject, object.union(plan, {
		"resource_changes": array.concat(plan.resource_changes, [extra]),
		"configuration": {"root_module": {"resources": array.concat(plan.configuration.root_module.resources, [config])}},
	}))
	{[f.rule, f.evidence[0]] | some f in found} == {["DDB-ENC-006-UNPROVABLE", "aws_kms_key_policy.p.key_id <- local.key (not resolvable from the plan)"]}
}

test_principals_known_only_after_apply_are_unprovable if {
	found := fixtures.violations(subject, fixtures.plan("enc-key-policy"))
		with data.ddb_guardrails.lib.kms.key_policies.documents as {{
			"status": "known", "holder": "aws_kms_key.valid_default_policy", "path": "policy", "origin": "policy",
			"statements": [{
				"effect": "Allow",
				"principals": {"known": false, "kind": "Principal", "values": set()},
				"actions": {"kind": "Action", "patterns": ["kms:decrypt"], "written": ["kms:Decrypt"]},
				"conditions": [],
			}],
		}}
	some f in found
	f.rule == "DDB-ENC-006-UNPROVABLE"
	f.message == "policy statement[0]: the principals are only known after apply"
}

# The key policy is the default one, but a grant hands Decrypt of the table's key to another account.
test_a_grant_of_a_table_key_is_flagged_on_the_grant if {
	fixtures.findings_for(subject, "enc-key-grants") == {["aws_kms_grant.invalid_to_another_account", "DDB-ENC-006"]}
}

# Conditions are judged by whether another account's caller can meet them; another account granted
# kms:* is not the key's owner; replica keys are judged like keys.
test_key_policies_are_judged_by_who_can_use_the_key if {
	fixtures.findings_for(subject, "iam-key-policies") == {
		["aws_kms_key.invalid_caller_account_not_equals", "DDB-ENC-006"],
		["aws_kms_key.invalid_other_account_kms_star", "DDB-ENC-006"],
		["aws_kms_key.invalid_principal_arn_any_account", "DDB-ENC-006"],
		["aws_kms_replica_key.invalid_public_replica", "DDB-ENC-006"],
	}
}

test_the_witness_is_a_decrypt_by_another_account if {
	found := fixtures.violations(subject, fixtures.plan("iam-key-policies"))
	some f in found
	f.address == "aws_kms_key.invalid_caller_account_not_equals"
	f.witness.action == "kms:Decrypt"
	f.witness.principal.account == "999999999999"
	f.witness.context == {"kms:CallerAccount": "999999999999"}
	endswith(f.witness.resource, ":111122223333:key/ddb-guardrails-probe")
}

# Principals known only after apply: kms:ViaService and kms:CallerAccount of this account keep the
# key in this account and DynamoDB whoever they are; without them the verdict waits for apply.
test_unknown_principals_scoped_by_via_service_and_caller_account_pass if {
	fixtures.findings_for(subject, "enc-key-unknown-principals") == {["aws_kms_key.invalid_unscoped_unknown_principal", "DDB-ENC-006-UNPROVABLE"]}
}
