# METADATA
# title: A change keeps streams, session TTL and Contributor Insights on where they are on
# description: >-
#   What watches a table is easy to switch off in passing: a stream removed with
#   stream_enabled, a ttl block set to enabled = false on a session store (sessions then never
#   expire), an aws_dynamodb_contributor_insights resource deleted. Each goes unnoticed in review
#   because the new configuration is not wrong on its own. The rule compares the state the plan was
#   made against (`before`) with the planned values of the tables the plan updates in place: a stream
#   that was on and is off or unset, TTL that was on and is off on a table tagged
#   ddb-guardrails:data-class = session (before or after), and Contributor Insights deleted for a
#   table that stays. A stream or TTL that is on and only known after apply after the change is
#   DDB-AUD-009-UNPROVABLE.
# custom:
#   id: DDB-AUD-009
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     Keep stream_enabled = true, the ttl block with enabled = true on session stores, and the
#     aws_dynamodb_contributor_insights resource; if one must go, waive DDB-AUD-009 for the resource
#     with the reason.
#   concept: Security regressions
#   example: |
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       stream_enabled   = true   # was true: keep it
#       stream_view_type = "NEW_AND_OLD_IMAGES"
#       ttl {
#         enabled        = true
#         attribute_name = "expires_at"
#       }
#     }
package ddb_guardrails.rules.audit.monitoring_turned_off

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan.changes
import data.ddb_guardrails.lib.plan.tags

violation contains finding if {
	some address, change in changes.updated("aws_dynamodb_table")
	changes.turned_off(change, ["stream_enabled"])
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"the change turns the table's stream off: consumers and the stream archive stop receiving changes",
		[changes.evidence(change, ["stream_enabled"])],
	)
}

violation contains finding if {
	some address, change in changes.updated("aws_dynamodb_table")
	session_store(change)
	changes.turned_off(change, ["ttl", 0, "enabled"])
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"the change turns TTL off on a session store: sessions stop expiring",
		[tags.evidence(tags.data_class_key, tags.session), changes.evidence(change, ["ttl", 0, "enabled"])],
	)
}

violation contains finding if {
	some address, change in changes.destroyed("aws_dynamodb_contributor_insights")
	change.deleted
	table := object.get(change.before, "table_name", "")
	not table_destroyed(table)
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change turns Contributor Insights off on table %v", [table]),
		[sprintf("%s: delete (table_name = %v, which stays)", [address, table])],
	)
}

violation contains finding if {
	some address, change in changes.updated("aws_dynamodb_table")
	some path in watched_settings(change)
	changes.unknown_after(change, path)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("%s is on today and known only after apply after the change", [changes.path_label(path)]),
		[sprintf("%s: true -> (known after apply)", [changes.path_label(path)])],
	)
}

watched_settings(change) := {["stream_enabled"], ["ttl", 0, "enabled"]} if session_store(change)

watched_settings(change) := {["stream_enabled"]} if not session_store(change)

session_store(change) if change.before.tags[tags.data_class_key] == tags.session

session_store(change) if change.after.tags[tags.data_class_key] == tags.session

# Contributor Insights deleted with its table: the table's deletion is the finding (DDB-REC-004).
table_destroyed(name) if {
	some change in changes.destroyed("aws_dynamodb_table")
	change.before.name == name
}
