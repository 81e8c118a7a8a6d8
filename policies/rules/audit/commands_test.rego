package ddb_guardrails.rules.audit.commands_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures

subject := "audit/commands"

# Findings on a fixture whose root module has these configuration blocks and module calls added.
findings_with_root(name, resources, calls) := fixtures.pairs(found) if {
	fixture := fixtures.plan(name)
	root := fixture.configuration.root_module
	found := fixtures.violations(subject, with_root(fixture, object.union(root, {
		"resources": array.concat(object.get(root, "resources", []), resources),
		"module_calls": object.union(object.get(root, "module_calls", {}), calls),
	})))
}

with_root(fixture, root) := object.union(fixture, {"configuration": object.union(fixture.configuration, {"root_module": root})})

test_command_provisioners_in_the_root_and_in_modules_are_flagged if {
	fixtures.findings_for(subject, "gate-code-execution") == {
		["terraform_data.invalid_local_exec", "DDB-AUD-008"],
		["terraform_data.invalid_remote_exec", "DDB-AUD-008"],
		["aws_kms_key.invalid_destroy_time_command", "DDB-AUD-008"],
		["module.runner.terraform_data.invalid_module_command", "DDB-AUD-008"],
	}
}

test_triggers_alone_and_file_provisioners_run_nothing if {
	not fixtures.finding_on(subject, "gate-code-execution", "terraform_data.valid_triggers_only")
	not fixtures.finding_on(subject, "gate-code-execution", "terraform_data.valid_file_copy")
}

test_the_finding_names_the_command if {
	fixtures.finding_on(subject, "gate-code-execution", "terraform_data.invalid_local_exec").evidence == [`provisioner "local-exec": command = "echo deployed"`]
	fixtures.finding_on(subject, "gate-code-execution", "terraform_data.invalid_remote_exec").evidence == [`provisioner "remote-exec": inline = ["echo deployed"]`]
}

test_stacks_without_commands_have_no_findings if {
	fixtures.findings_for(subject, "model-compliant-stack") == set()
	fixtures.findings_for(subject, "enc-table-keys") == set()
}

# hashicorp/external is not in the offline provider mirror, so no fixture can plan one: the block is
# added to a real plan's configuration in the shape terraform writes for data sources.
test_an_external_data_source_is_flagged_with_its_program if {
	external := {
		"address": "data.external.invalid_program",
		"mode": "data",
		"type": "external",
		"name": "invalid_program",
		"provider_config_key": "external",
		"expressions": {"program": {"constant_value": ["sh", "-c", "aws dynamodb update-table"]}},
		"schema_version": 0,
	}
	findings_with_root("enc-table-keys", [external], {}) == {["data.external.invalid_program", "DDB-AUD-008"]}
}

test_a_program_known_only_at_apply_names_its_references if {
	external := {
		"address": "data.external.invalid_program",
		"mode": "data",
		"type": "external",
		"name": "invalid_program",
		"expressions": {"program": {"references": ["local.program"]}},
	}
	fixture := fixtures.plan("enc-table-keys")
	found := fixtures.violations(subject, with_root(fixture, object.union(fixture.configuration.root_module, {"resources": [external]})))
	[f.evidence | some f in found] == [["program = known only at apply, from local.program"]]
}

test_a_module_deeper_than_the_model_is_unprovable if {
	deep := {"a": {"source": "./a", "module": {"module_calls": {"b": {"source": "./b", "module": {"module_calls": {"c": {
		"source": "./c",
		"module": {"module_calls": {"d": {"source": "./d", "module": {"module_calls": {"e": {"source": "./e", "module": {}}}}}}},
	}}}}}}}}
	findings_with_root("enc-table-keys", [], deep) == {["module.a.module.b.module.c.module.d.module.e", "DDB-AUD-008-UNPROVABLE"]}
}
