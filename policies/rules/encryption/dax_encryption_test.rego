package ddb_guardrails.rules.encryption.dax_encryption_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.encryption.dax_encryption as rule

subject := "encryption/dax_encryption"

test_dax_clusters_without_encryption_at_rest_or_tls_are_flagged if {
	fixtures.findings_for(subject, "enc-dax") == {
		["aws_dax_cluster.invalid_no_sse", "DDB-ENC-004"],
		["aws_dax_cluster.invalid_sse_disabled", "DDB-ENC-004"],
		["aws_dax_cluster.invalid_plaintext_endpoint", "DDB-ENC-004"],
	}
}

test_an_encrypted_dax_cluster_passes if {
	not fixtures.finding_on(subject, "enc-dax", "aws_dax_cluster.valid_encrypted")
}

test_the_evidence_says_which_setting_is_off if {
	fixtures.finding_on(subject, "enc-dax", "aws_dax_cluster.invalid_plaintext_endpoint").evidence == ["cluster_endpoint_encryption_type = null"]
}

test_settings_known_only_after_apply_are_unprovable if {
	cluster := {
		"address": "aws_dax_cluster.c", "type": "aws_dax_cluster", "module": "", "config_key": "aws_dax_cluster.c",
		"after": {"server_side_encryption": [{}]},
		"unknown": {"server_side_encryption": [{"enabled": true}], "cluster_endpoint_encryption_type": true},
	}
	findings := rule.violation with data.ddb_guardrails.lib.plan.resources as {cluster.address: cluster}
	{[f.rule, f.message] | some f in findings} == {
		["DDB-ENC-004-UNPROVABLE", "server_side_encryption[0].enabled is only known after apply"],
		["DDB-ENC-004-UNPROVABLE", "cluster_endpoint_encryption_type is only known after apply"],
	}
}
