# Test helpers shared by every rule test: fixture plans by name and findings as [address, rule] pairs.
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

test_a_fixture_is_read_by_name if {
	plan("table-unencrypted").format_version
}

test_findings_are_read_as_address_rule_pairs if {
	pairs({{"address": "a", "rule": "R", "message": "m"}}) == {["a", "R"]}
}
