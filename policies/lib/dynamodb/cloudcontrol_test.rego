package ddb_guardrails.lib.dynamodb.cloudcontrol_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.main

findings_of(name) := found if {
	found := main.report.findings with input as fixtures.plan(name)
}

findings_on(name, address) := {f.rule | some f in findings_of(name); f.address == address}

finding(name, address, rule) := f if {
	some f in findings_of(name)
	f.address == address
	f.rule == rule
}

test_an_unencrypted_public_table_through_cloud_control_is_flagged_like_a_template_table if {
	findings_on("cloudcontrol-resources", "aws_cloudcontrolapi_resource.invalid_unencrypted_public_table") == {
		"DDB-ENC-001", "DDB-REC-001", "DDB-REC-002",
		"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", "DDB-FGAC-005",
	}
	finding("cloudcontrol-resources", "aws_cloudcontrolapi_resource.invalid_unencrypted_public_table", "DDB-ENC-001").evidence == [
		"desired_state.SSESpecification.SSEEnabled: not set (off)",
	]
}

test_an_iam_policy_through_cloud_control_is_judged if {
	findings_on("cloudcontrol-resources", "aws_cloudcontrolapi_resource.invalid_full_access_policy") == {
		"DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003",
	}
}

test_a_compliant_table_and_types_the_guardrails_do_not_judge_pass if {
	findings_on("cloudcontrol-resources", "aws_cloudcontrolapi_resource.valid_table") == set()
	findings_on("cloudcontrol-resources", "aws_cloudcontrolapi_resource.valid_other_type") == set()
}

test_a_desired_state_known_only_after_apply_is_unprovable_for_every_rule if {
	findings_on("cloudcontrol-resources", "aws_cloudcontrolapi_resource.unprovable_key_after_apply") == {
		"DDB-ENC-001-UNPROVABLE", "DDB-ENC-002-UNPROVABLE", "DDB-REC-001-UNPROVABLE", "DDB-REC-002-UNPROVABLE",
		"DDB-FGAC-001-UNPROVABLE", "DDB-FGAC-002-UNPROVABLE", "DDB-FGAC-003-UNPROVABLE",
		"DDB-FGAC-005-UNPROVABLE", "DDB-FGAC-006-UNPROVABLE",
	}
	finding("cloudcontrol-resources", "aws_cloudcontrolapi_resource.unprovable_key_after_apply", "DDB-ENC-001-UNPROVABLE").evidence == [
		"desired_state: (known after apply) <- aws_kms_key.tables (created in this plan)",
		"desired_state: (known after apply) <- local.key_schema (not resolvable from the plan)",
	]
}

# Patched from the real plan: the same resource with a type_name known only after apply.
test_a_type_known_only_after_apply_is_unprovable if {
	fixture := fixtures.plan("cloudcontrol-resources")
	changes := [patched |
		some change in fixture.resource_changes
		patched := unknown_type(change)
	]
	found := main.report.findings with input as fixture with input.resource_changes as changes
	rules := {f.rule | some f in found; f.address == "aws_cloudcontrolapi_resource.valid_other_type"}
	"DDB-ENC-001-UNPROVABLE" in rules
	"DDB-FGAC-003-UNPROVABLE" in rules
}

unknown_type(change) := object.union(change, {"change": object.union(change.change, {
	"after": object.remove(change.change.after, ["type_name"]),
	"after_unknown": object.union(change.change.after_unknown, {"type_name": true}),
})}) if {
	change.address == "aws_cloudcontrolapi_resource.valid_other_type"
} else := change
