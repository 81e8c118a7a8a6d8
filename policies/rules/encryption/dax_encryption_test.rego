package ddb_guardrails.rules.encryption.dax_encryption_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.encryption.dax_encryption as rule

# [address, rule id] of the rule's findings on a fixture plan; undefined when the fixture is missing.
findings_for(name) := fixtures.pairs(found) if {
	found := rule.violation with input as fixtures.plan(name)
}

# The one finding of the rule on an address of a fixture.
finding_on(name, address) := f if {
	found := rule.violation with input as fixtures.plan(name)
	some f in found
	f.address == address
}

test_dax_clusters_without_encryption_at_rest_or_tls_are_flagged if {
	findings_for("enc-dax") == {
		["aws_dax_cluster.invalid_no_sse", "DDB-ENC-004"],
		["aws_dax_cluster.invalid_sse_disabled", "DDB-ENC-004"],
		["aws_dax_cluster.invalid_plaintext_endpoint", "DDB-ENC-004"],
	}
}

test_an_encrypted_dax_cluster_passes if {
	not finding_on("enc-dax", "aws_dax_cluster.valid_encrypted")
}

test_the_evidence_says_which_setting_is_off if {
	finding_on("enc-dax", "aws_dax_cluster.invalid_plaintext_endpoint").evidence == ["cluster_endpoint_encryption_type = null"]
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
