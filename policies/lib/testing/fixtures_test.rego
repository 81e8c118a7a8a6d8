# Test helpers shared by every rule test: fixture plans by name, and a rule's findings on them as
# [address, rule] pairs. A rule is named by its file under policies/rules without the extension
# ("encryption/table_cmk"); each rule test names its rule once, as `subject`.
package ddb_guardrails.lib.fixtures_test

import rego.v1

# The plan of test/fixtures/<name>/plan.json. A misspelled name is an evaluation error, which fails the
# test even where the plan is read inside a comprehension (an undefined plan there would make an empty
# set and pass a "no findings" assertion): two different values for one call cannot both hold.
plan(name) := data.fixtures[name]

plan(name) := sprintf("no fixture %q", [name]) if not data.fixtures[name]

plan(name) := sprintf("no fixture named %q", [name]) if not data.fixtures[name]

# [address, rule id] of each finding.
pairs(found) := {[f.address, f.rule] | some f in found}

# The findings of a rule on a plan (a fixture's, or one a test builds). A misspelled rule is an
# evaluation error, as a misspelled fixture is, so that `not finding_on(...)` cannot pass by accident.
violations(rule, doc) := found if {
	[guardrail, name] := split(rule, "/")
	found := data.ddb_guardrails.rules[guardrail][name].violation with input as doc
}

violations(rule, _) := sprintf("no rule %q", [rule]) if not _is_rule(rule)

violations(rule, _) := sprintf("no rule named %q", [rule]) if not _is_rule(rule)

# Read on an empty plan: only whether the package exists matters here.
_is_rule(rule) if {
	[guardrail, name] := split(rule, "/")
	data.ddb_guardrails.rules[guardrail][name].violation with input as {}
}

# [address, rule id] of a rule's findings on a fixture.
findings_for(rule, name) := pairs(violations(rule, plan(name)))

# The one finding of a rule on an address of a fixture; undefined when there is none.
finding_on(rule, name, address) := f if {
	some f in violations(rule, plan(name))
	f.address == address
}

# A rule's findings on a plan with these rule parameters (data.ddb_guardrails_config.parameters).
violations_with_parameters(rule, doc, parameters) := found if {
	found := violations(rule, doc) with data.ddb_guardrails_config.parameters as parameters
}

# The evidence of a rule's findings on an address of a fixture.
evidence_on(rule, name, address) := [f.evidence | some f in violations(rule, plan(name)); f.address == address]

# A rule's findings on a fixture with some fields of one resource of the plan model replaced.
findings_with_resource(rule, name, address, fields) := pairs(found) if {
	fixture := plan(name)
	resources := data.ddb_guardrails.lib.plan.resources with input as fixture
	patched := object.union(resources, {address: object.union(resources[address], fields)})
	found := violations(rule, fixture) with data.ddb_guardrails.lib.plan.resources as patched
}

# A rule's findings on a fixture with one change of the change model replaced or added.
findings_with_change(rule, name, address, change) := pairs(found) if {
	fixture := plan(name)
	existing := data.ddb_guardrails.lib.plan.changes._existing with input as fixture
	patched := object.union(existing, {address: change})
	found := violations(rule, fixture) with data.ddb_guardrails.lib.plan.changes._existing as patched
}

test_a_fixture_is_read_by_name if {
	plan("table-unencrypted").format_version
}

test_findings_are_read_as_address_rule_pairs_of_a_rule_named_by_its_file if {
	pairs({{"address": "a", "rule": "R", "message": "m"}}) == {["a", "R"]}
	findings_for("encryption/table_cmk", "table-unencrypted") == {["aws_dynamodb_table.invalid_aws_owned_key", "DDB-ENC-001"]}
	finding_on("encryption/table_cmk", "table-unencrypted", "aws_dynamodb_table.invalid_aws_owned_key").rule == "DDB-ENC-001"
	_is_rule("encryption/table_cmk")
	not _is_rule("encryption/table_kms")
}
