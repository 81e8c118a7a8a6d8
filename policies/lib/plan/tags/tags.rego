# METADATA
# title: Guardrail tags
# description: >-
#   The tags that tell the guardrails what a resource is for, where the plan cannot tell by
#   structure alone. The constructs set them; plain Terraform users set them by hand.
#     ddb-guardrails:role = stream-archive    an S3 bucket that archives a table's stream (write-once)
#     ddb-guardrails:role = audit-log         an S3 bucket that holds audit logs (besides the
#                                             buckets CloudTrail delivers to, found by reference)
#     ddb-guardrails:data-class = session     a DynamoDB table that stores sessions (needs TTL)
#   (DDB-FGAC-004 reads a third one, ddb-guardrails:protected-attributes, in policies/rules/fgac.)
package ddb_guardrails.lib.plan.tags

import rego.v1

role_key := "ddb-guardrails:role"

stream_archive := "stream-archive"

audit_log := "audit-log"

data_class_key := "ddb-guardrails:data-class"

session := "session"

# The planned value of a tag (tags set on the resource; provider default_tags are in tags_all,
# which is often unknown at plan time, so tags_all is read only when known).
value(resource, key) := resource.after.tags[key]

value(resource, key) := resource.after.tags_all[key] if {
	not resource.after.tags[key]
	is_object(resource.after.tags_all)
}

has(resource, key, expected) if value(resource, key) == expected

evidence(key, expected) := sprintf("tags[\"%s\"] = \"%s\"", [key, expected])
