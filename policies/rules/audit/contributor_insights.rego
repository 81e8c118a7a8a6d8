# METADATA
# title: Tables have CloudWatch Contributor Insights on
# description: >-
#   Contributor Insights shows the most accessed and most throttled keys of a table: the signal of
#   one caller reading far more items than its share, or of a hot partition. A table is covered by
#   an aws_dynamodb_contributor_insights without index_name whose table_name is the table's name or
#   a reference to the table. Every aws_dynamodb_table counts as holding data; where Contributor
#   Insights is unavailable (a local emulator) or the table holds none, the finding is waived with
#   its reason. A table_name that cannot be followed before apply gives tables not otherwise covered
#   DDB-AUD-007-UNPROVABLE.
# custom:
#   id: DDB-AUD-007
#   guardrail: audit
#   severity: low
#   remediation: >-
#     Add resource "aws_dynamodb_contributor_insights" with table_name = aws_dynamodb_table.<name>.name
#     (the SecureTable construct does this unless contributorInsights is turned off with a waiver).
#   concept: Logging and auditing
#   example: |
#     resource "aws_dynamodb_contributor_insights" "sessions" {
#       table_name = aws_dynamodb_table.sessions.name
#     }
package ddb_guardrails.rules.audit.contributor_insights

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.monitoring
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table)
	count(uncertain) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"Contributor Insights is off for this table",
		["no aws_dynamodb_contributor_insights (without index_name) names this table"],
	)
}

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table)
	count(uncertain) > 0
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether Contributor Insights is on for this table is only known after apply",
		sort(uncertain),
	)
}

table_insights[address] := insights if {
	some address, insights in plan.of_type("aws_dynamodb_contributor_insights")
	object.get(insights.after, "index_name", null) in {null, ""}
}

# Indexed by table name and by referenced table: a scan of every insights resource per table was
# quadratic in plans with one per table.
covered(table) if table.after.name in named_tables

covered(table) if table.address in referenced_tables

named_tables contains insights.after.table_name if {
	some _, insights in table_insights
	is_string(insights.after.table_name)
}

referenced_tables contains source.address if {
	some _, insights in table_insights
	insights.unknown.table_name == true
	some source in references.sources(insights, ["table_name"])
	source.kind == "resource"
}

uncertain contains concat("", [address, ".table_name <- ", references.describe(source)]) if {
	some address, insights in table_insights
	insights.unknown.table_name == true
	some source in references.sources(insights, ["table_name"])
	not source.kind == "resource"
}
