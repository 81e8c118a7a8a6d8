package ddb_guardrails.main

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.changes

# METADATA
# title: Evaluation passes
# description: |
#   The rules in two passes, which the engine evaluates one after the other on the same parsed input with
#   the wasm heap reset in between, so that its peak memory is the larger pass rather than the sum of
#   both. The rules that read IAM policy documents share their model, the largest, and go together.
#   Every rule package under data.ddb_guardrails.rules is in exactly one pass (test/policies/passes.test.ts).
passes := {
	"iam": {
		["encryption", "key_policy_scope"],
		["endpoint", "endpoint_policy"],
		["endpoint", "source_vpce"],
		["fgac", "admin_actions"],
		["fgac", "full_access"],
		["fgac", "leading_keys"],
		["fgac", "other_accounts"],
		["fgac", "protected_attributes"],
		["fgac", "resource_policy_public"],
		["fgac", "privilege_escalation"],
		["fgac", "scan"],
		["fgac", "stream_reads"],
		["fgac", "trust_policy"],
	},
	"other": {
		["audit", "archive_object_lock"],
		["audit", "change_alerts"],
		["audit", "commands"],
		["audit", "contributor_insights"],
		["audit", "data_events"],
		["audit", "exports_watched"],
		["audit", "monitoring_turned_off"],
		["audit", "published_metric"],
		["audit", "scan_alarm"],
		["audit", "session_ttl"],
		["encryption", "bucket_kms"],
		["encryption", "dax_encryption"],
		["encryption", "export_encryption"],
		["encryption", "key_rotation"],
		["encryption", "key_weakened"],
		["encryption", "replica_cmk"],
		["encryption", "streaming_destination"],
		["encryption", "table_cmk"],
		["endpoint", "gateway_endpoint"],
		["endpoint", "route_tables"],
		["recovery", "data_destroyed"],
		["recovery", "deletion_protection"],
		["recovery", "point_in_time_recovery"],
		["recovery", "protection_turned_off"],
	},
}

# METADATA
# entrypoint: true
iam_report := pass_report("iam")

# METADATA
# entrypoint: true
other_report := pass_report("other")

# The rule packages are looked up by bound names: only the pass's own rules are evaluated.
pass_report(name) := {
	"resources": count(plan.resources) + count(changes.deleted),
	"findings": [finding |
		some [guardrail, rule] in passes[name]
		some finding in data.ddb_guardrails.rules[guardrail][rule].violation
	],
}
