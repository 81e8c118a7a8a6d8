# METADATA
# title: Tables have CloudWatch Contributor Insights on
# description: >-
#   Contributor Insights shows the most accessed and most throttled keys of a table: the signal of
#   one caller reading far more items than its share, or of a hot partition. A table is covered by
#   an aws_dynamodb_contributor_insights without index_name whose table_name is the table's name or
#   a reference to the table. Every aws_dynamodb_table counts as holding data; where Contributor
#   Insights is unavailable (a local emulator) or the table holds none, the finding is waived with
#   its reason. A table_name that cannot be followed before apply gives tables not otherwise covered
#   DDB-AUD-007-UNPROVABLE. An aws_dynamodb_contributor_insights acts on the table of that name in
#   the account of its own provider: it covers a table in one account with it, as DDB-AUD-001 decides
#   it; a table of another known account is not covered, and one whose account cannot be compared
#   gets DDB-AUD-007-UNPROVABLE.
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
	not covered(table, "one")
	count(unsure(table)) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"Contributor Insights is off for this table",
		array.concat(
			["no aws_dynamodb_contributor_insights (without index_name) names this table"],
			sort(monitoring.account_evidence(insights_of(table), table)),
		),
	)
}

violation contains finding if {
	some address, table in monitoring.tables
	not covered(table, "one")
	count(unsure(table)) > 0
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether Contributor Insights is on for this table is only known after apply",
		sort(unsure(table)),
	)
}

unsure(table) := uncertain | account_uncertain(table)

table_insights[address] := insights if {
	some address, insights in plan.of_type("aws_dynamodb_contributor_insights")
	object.get(insights.after, "index_name", null) in {null, ""}
}

# An aws_dynamodb_contributor_insights turns Contributor Insights on for the table of that name in
# the account of its own provider: one of another account names another table ("one": surely of
# the table's account; "maybe": of an account not surely another).
covered(table, mode) if {
	some insights in insights_of(table)
	monitoring.in_account({insights}, table, mode)
}

account_uncertain(table) := monitoring.account_evidence(insights_of(table), table) if covered(table, "maybe")

else := set()

# Indexed by table name and by referenced table: a scan of every insights resource per table was
# quadratic in plans with one per table.
insights_of(table) := object.get(named_tables, table.after.name, set()) | object.get(referenced_tables, table.address, set())

named_tables[insights.after.table_name] contains address if {
	some address, insights in table_insights
	is_string(insights.after.table_name)
}

referenced_tables[source.address] contains address if {
	some address, insights in table_insights
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
