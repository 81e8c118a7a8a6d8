package ddb_guardrails.lib.iam.requests_test

import rego.v1

import data.ddb_guardrails.lib.iam.requests

# NotResource through a value the plan cannot follow: it may exclude any table, or none.
not_resource_after_apply(effect) := {
	"effect": effect,
	"actions": {"kind": "Action", "patterns": ["dynamodb:scan"]},
	"resources": {
		"kind": "NotResource", "values": [], "known": false,
		"references": {{"kind": "unresolved", "reference": "local.excluded"}},
	},
	"principals": {"kind": "none", "values": set(), "known": true},
	"conditions": [],
}

test_an_allow_whose_not_resource_cannot_be_followed_excludes_nothing if {
	requests.usable(not_resource_after_apply("Allow")).resources.values == []
}

test_a_deny_whose_not_resource_cannot_be_followed_denies_nothing_for_certain if {
	requests.usable(not_resource_after_apply("Deny")).resources.values == ["*"]
}
