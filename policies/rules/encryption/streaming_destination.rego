# METADATA
# title: Kinesis streaming destinations of tables are encrypted with a customer-managed key
# description: >-
#   A Kinesis Data Streams destination receives every item change of the table. Each
#   aws_dynamodb_kinesis_streaming_destination must point (stream_arn, by reference) at an
#   aws_kinesis_stream of the plan with encryption_type = "KMS" and a kms_key_id that is a
#   customer-managed key (not alias/aws/kinesis, the AWS-managed key). A stream outside the plan
#   (a literal ARN) or a reference the plan cannot follow gives DDB-ENC-008-UNPROVABLE. The key
#   must also keep the records from those who can read the stream: when an aws_kinesis_resource_policy
#   of the stream lets a principal of another account (one not among the account_ids parameter and
#   the provider's account, or anyone) kinesis:GetRecords and the key's policy lets that principal
#   kms:Decrypt through Kinesis, both asked to the IAM evaluation core with its own account allowing
#   it everything, the change records are readable outside the account; the witness is the read. Lambda
#   event source mappings that read a table's stream are judged by the endpoint and access rules
#   (the function's network and its role's policies), not here.
# custom:
#   id: DDB-ENC-008
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Set encryption_type = "KMS" and kms_key_id = aws_kms_key.<name>.arn on the aws_kinesis_stream
#     the table streams to.
#   concept: Encryption at rest (KMS)
#   example: |
#     resource "aws_kinesis_stream" "changes" {
#       name            = "session-changes"
#       encryption_type = "KMS"
#       kms_key_id      = aws_kms_key.streams.arn
#       stream_mode_details {
#         stream_mode = "ON_DEMAND"
#       }
#     }
#
#     resource "aws_dynamodb_kinesis_streaming_destination" "sessions" {
#       table_name = aws_dynamodb_table.sessions.name
#       stream_arn = aws_kinesis_stream.changes.arn
#     }
package ddb_guardrails.rules.encryption.streaming_destination

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.iam.readers
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

destinations := plan.of_type("aws_dynamodb_kinesis_streaming_destination")

violation contains finding if {
	some address, destination in destinations
	some stream in streams(destination)
	resource := plan.resources[stream]
	not resource.unknown.encryption_type == true
	object.get(resource.after, "encryption_type", "NONE") != "KMS"
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the destination stream %s is not encrypted with KMS", [stream]),
		[sprintf("%s.encryption_type = %v", [stream, json.marshal(object.get(resource.after, "encryption_type", null))])],
	)
}

violation contains finding if {
	some address, destination in destinations
	some stream in streams(destination)
	plan.resources[stream].after.encryption_type == "KMS"
	some verdict in key_verdicts(plan.resources[stream])
	verdict.verdict in {"aws_managed", "not_allowed"}
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("the destination stream %s is encrypted with the AWS-managed key (or a key outside allowed_key_arns)", [stream]),
		[concat(".", [stream, verdict.evidence])],
	)
}

violation contains finding if {
	some address, destination in destinations
	some stream in streams(destination)
	some evidence in unknown_settings(plan.resources[stream])
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("the encryption of the destination stream %s is only known after apply", [stream]),
		[evidence],
	)
}

violation contains finding if {
	some address, destination in destinations
	some evidence in unfollowed(destination)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"stream_arn cannot be followed to an aws_kinesis_stream of the plan",
		[evidence],
	)
}

# Encryption that another account can undo: the stream's resource policy lets it read the records and
# the stream's key lets it decrypt them.
violation contains finding if {
	some address, destination in destinations
	some stream in streams(destination)
	resource := plan.resources[stream]
	resource.after.encryption_type == "KMS"
	some verdict in key_verdicts(resource)
	verdict.verdict == "customer"
	some reader in readers.outside_readers(
		resource,
		readers.stream_documents(stream),
		"kinesis:GetRecords",
		_stream_arn(resource),
		verdict.key,
		"kinesis",
	)
	finding := findings.witnessed(
		rego.metadata.chain(),
		address,
		sprintf("account %s can read the destination stream %s: its resource policy lets it get the records and its key %s lets it decrypt them", [
			reader.principal.account, stream, verdict.key,
		]),
		[
			concat(".", [stream, verdict.evidence]),
			sprintf("%s allows kinesis:GetRecords to %s", [concat(", ", sort({d.holder | some d in readers.stream_documents(stream)})), reader.principal.arn]),
			sprintf("%s key policy allows kms:Decrypt through kinesis to %s", [verdict.key, reader.principal.arn]),
		],
		reader.read,
	)
}

_stream_arn(resource) := sprintf("arn:aws:kinesis:%s:%s:stream/%s", [
	reach.region_text(resource), readers.account_of(resource), object.get(resource.after, "name", "any-stream"),
])

streams(destination) := {source.address |
	some source in references.sources(destination, ["stream_arn"])
	stream_source(source)
}

stream_source(source) if {
	source.kind == "resource"
	plan.resources[source.address].type == "aws_kinesis_stream"
}

unfollowed(destination) := {concat(" <- ", ["stream_arn", references.describe(source)]) |
	some source in references.sources(destination, ["stream_arn"])
	not stream_source(source)
}

key_verdicts(stream) := kms.verdicts(
	stream,
	"kms_key_id",
	object.get(stream.after, "kms_key_id", null),
	object.get(stream.unknown, "kms_key_id", false),
	plan.expression(stream, ["kms_key_id"]),
)

unknown_settings(stream) := {concat(".", [stream.address, e]) |
	stream.unknown.encryption_type == true
	some e in references.unknown_chain(stream, ["encryption_type"], "encryption_type")
} | {concat(".", [stream.address, verdict.evidence]) |
	stream.after.encryption_type == "KMS"
	some verdict in key_verdicts(stream)
	verdict.verdict == "unprovable"
}
