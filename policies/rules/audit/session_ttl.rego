# METADATA
# title: Session-store tables expire items with TTL
# description: >-
#   A session that never expires is a credential that never expires: a stolen session token keeps
#   working, and the table keeps personal data longer than needed. Tables tagged
#   ddb-guardrails:data-class = session (the SecureTable construct sets the tag for session stores)
#   need ttl { enabled = true, attribute_name = "<attribute>" }; the application writes the expiry
#   time into that attribute. Untagged tables are not judged. A TTL setting only known after apply
#   gives DDB-AUD-003-UNPROVABLE; a dynamic ttl block is not in the plan and is judged as absent.
# custom:
#   id: DDB-AUD-003
#   guardrail: audit
#   severity: medium
#   remediation: >-
#     Add ttl { enabled = true, attribute_name = "expires_at" } to the table and have the
#     application write the expiry (epoch seconds) into that attribute.
#   concept: Session expiry (TTL)
#   example: |
#     resource "aws_dynamodb_table" "sessions" {
#       # ...
#       ttl {
#         enabled        = true
#         attribute_name = "expires_at"
#       }
#
#       tags = {
#         "ddb-guardrails:data-class" = "session"
#       }
#     }
package ddb_guardrails.rules.audit.session_ttl

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.source
import data.ddb_guardrails.lib.tags

tag_evidence := tags.evidence(tags.data_class_key, tags.session)

session_tables[address] := table if {
	some address, table in plan.of_type("aws_dynamodb_table")
	tags.has(table, tags.data_class_key, tags.session)
}

violation contains finding if {
	some address, table in session_tables
	not table.unknown.ttl == true
	not ttl_set(table)
	not unknown_setting(table)
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"session-store table does not expire items (TTL is off)",
		[tag_evidence, sprintf("ttl[0].enabled = %v, ttl[0].attribute_name = %v", [
			object.get(table.after, ["ttl", 0, "enabled"], null),
			object.get(table.after, ["ttl", 0, "attribute_name"], null),
		])],
	)
}

# Computed by the provider when the configuration has no ttl block: off.
violation contains finding if {
	some address, table in session_tables
	table.unknown.ttl == true
	plan.config(table)
	plan.expression(table, ["ttl"]) == null
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"session-store table does not expire items (no ttl block)",
		[tag_evidence, source.missing_block(table, "ttl")],
	)
}

violation contains finding if {
	some address, table in session_tables
	some attribute in ["enabled", "attribute_name"]
	table.unknown.ttl[0][attribute] == true
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("ttl.%s is only known after apply", [attribute]),
		array.concat([tag_evidence], references.unknown_chain(table, ["ttl", 0, attribute], sprintf("ttl[0].%s", [attribute]))),
	)
}

ttl_set(table) if {
	table.after.ttl[0].enabled == true
	table.after.ttl[0].attribute_name != ""
}

unknown_setting(table) if {
	some attribute in ["enabled", "attribute_name"]
	table.unknown.ttl[0][attribute] == true
}
