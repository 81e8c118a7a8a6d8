# METADATA
# title: A change keeps point-in-time recovery and deletion protection on where they are on
# description: >-
#   Turning recovery off on a table that exists is a regression a reviewer can miss in a diff of
#   many lines: the table loses its 35-day restore window the moment the change is applied (the
#   earliest restorable time starts again when PITR is turned back on), or DeleteTable starts to
#   succeed. The rule compares the state the plan was made against (`before`) with the planned values
#   of each aws_dynamodb_table and aws_dynamodb_table_replica the plan updates in place, and flags
#   point_in_time_recovery and deletion_protection_enabled that go from true to false or unset; one
#   that was true and is only known after apply is DDB-REC-003-UNPROVABLE. Deleted and replaced
#   tables are DDB-REC-004.
# custom:
#   id: DDB-REC-003
#   guardrail: recovery
#   severity: high
#   remediation: >-
#     Keep point_in_time_recovery { enabled = true } and deletion_protection_enabled = true on the
#     table; if it must go, waive DDB-REC-003 for the table with the reason.
#   concept: Security regressions
#   example: |
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       deletion_protection_enabled = true   # was true: keep it
#       point_in_time_recovery {
#         enabled = true
#       }
#     }
package ddb_guardrails.rules.recovery.protection_turned_off

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan.changes

settings := {
	"aws_dynamodb_table": [
		{"path": ["point_in_time_recovery", 0, "enabled"], "name": "point-in-time recovery"},
		{"path": ["deletion_protection_enabled"], "name": "deletion protection"},
	],
	"aws_dynamodb_table_replica": [
		{"path": ["point_in_time_recovery"], "name": "point-in-time recovery"},
		{"path": ["deletion_protection_enabled"], "name": "deletion protection"},
	],
}

violation contains finding if {
	some type, checked in settings
	some address, change in changes.updated(type)
	some setting in checked
	changes.turned_off(change, setting.path)
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the change turns %s off on an existing table", [setting.name]),
		[changes.evidence(change, setting.path)],
	)
}

violation contains finding if {
	some type, checked in settings
	some address, change in changes.updated(type)
	some setting in checked
	changes.unknown_after(change, setting.path)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("%s is on today and known only after apply after the change", [setting.name]),
		[sprintf("%s: true -> (known after apply)", [changes.path_label(setting.path)])],
	)
}
