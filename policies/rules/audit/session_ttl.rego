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

import data.ddb_guardrails.lib.dynamodb as tables
import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan.tags

tag_evidence := tags.evidence(tags.data_class_key, tags.session)

violation contains finding if {
	some table in tables.records
	table.data_class == tags.session
	some entry in table.ttl
	entry.verdict == "off"
	finding := findings.violation(
		rego.metadata.chain(),
		table.address,
		concat("", ["session-store table does not expire items (", off_reason(entry), ")"]),
		array.concat([tag_evidence], entry.evidence),
	)
}

violation contains finding if {
	some table in tables.records
	table.data_class == tags.session
	some entry in table.ttl
	entry.verdict == "unprovable"
	finding := findings.unprovable(
		rego.metadata.chain(),
		table.address,
		concat("", [entry.attribute, " is only known after apply"]),
		array.concat([tag_evidence], entry.evidence),
	)
}

off_reason(entry) := concat("", ["no ", entry.attribute, " block"]) if entry.cause == "absent"

else := "TTL is off"
