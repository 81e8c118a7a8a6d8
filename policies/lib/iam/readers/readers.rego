# METADATA
# title: Who in another account can read a copy of table data
# description: >-
#   A copy of table data kept outside DynamoDB (an export's objects in S3, a Kinesis streaming
#   destination's records) is as open as the policy of the place it lands in and the key it is
#   encrypted under. For a bucket or stream of the plan and its customer-managed key, the principals
#   of another account that the bucket or stream policy names (whoever "*" lets in stands for an
#   account no configuration names) are asked to the evaluation core twice: the read (s3:GetObject,
#   kinesis:GetRecords) against the resource policy, then kms:Decrypt through that service against
#   the key policy. Their own account is taken to allow them everything. Both allowed: the copy is
#   readable in the clear by that account, and the read is the witness.
package ddb_guardrails.lib.iam.readers

import rego.v1

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.evaluation
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.kms.key_policies
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references
import data.ddb_guardrails.lib.s3

# The policy documents of a bucket: those of its aws_s3_bucket_policy resources.
bucket_documents(bucket) := {document |
	some holder in s3.attached("aws_s3_bucket_policy", bucket)
	some document in iam.documents_of_kind("bucket")
	document.holder == holder
}

# The policy documents of a Kinesis stream: those of the aws_kinesis_resource_policy resources whose
# resource_arn references it.
stream_documents(stream) := {object.union(document, {"holder": address}) |
	some address, policy in plan.of_type("aws_kinesis_resource_policy")
	some source in references.sources(policy, ["resource_arn"])
	source.address == stream
	some document in iam.resolve(policy, ["policy"])
}

# Each principal of another account that a known document allows `action` on `arn` and the key
# policy lets decrypt through `service` (e.g. "s3"): {"principal", "read": request, "decrypt": request}.
# `resource` is the bucket or stream (the resource), `key` the address of its key.
outside_readers(resource, documents, action, arn, key, service) := {reader |
	some principal in _outside_principals(resource, documents)
	read := {
		"principal": principal,
		"action": action,
		"resource": arn,
		"context": {"aws:SecureTransport": "true"},
	}
	evaluation.allowed(read, {
		"identity": [requests.anything],
		"resource": [_usable(document, resource.address, arn) | some document in _known(documents)],
		"resource_account": account_of(resource),
	})
	decrypt := {
		"principal": principal,
		"action": "kms:Decrypt",
		"resource": _key_arn(key),
		"context": {
			"aws:SecureTransport": "true",
			"kms:ViaService": sprintf("%s.%s.amazonaws.com", [service, reach.region_text(plan.resources[key])]),
			"kms:CallerAccount": principal.account,
		},
	}
	evaluation.allowed(decrypt, {
		"identity": [requests.anything],
		"resource": _known(key_policies.documents(key)),
		"resource_account": account_of(plan.resources[key]),
	})
	reader := {"principal": principal, "read": read, "decrypt": decrypt}
}

# The document as the core reads it (requests.usable), where a Resource known only after apply that
# references the bucket or stream itself stands for the ARN asked about (a reference does not tell
# "${aws_s3_bucket.x.arn}" from "${aws_s3_bucket.x.arn}/*": both are taken to reach the objects).
_usable(document, address, arn) := {"statements": [object.union(requests.usable(statement), {"resources": resources}) |
	some statement in document.statements
	resources := _with_self(statement, address, arn)
]}

_with_self(statement, address, arn) := object.union(statement.resources, {"values": array.concat(
	requests.resource_values(requests.denied_for_certain(statement)),
	[arn],
)}) if {
	not object.get(statement.resources, "known", true)
	some source in object.get(statement.resources, "references", set())
	source.address == address
} else := object.union(statement.resources, {"values": requests.resource_values(requests.denied_for_certain(statement))})

_known(documents) := [document | some document in documents; document.status == "known"]

# The principals the documents' Allow statements name that are of another account: an account not
# among the resource's own (when the plan names them), or the account "*" stands for.
_outside_principals(resource, documents) := {principal |
	some document in documents
	document.status == "known"
	some statement in document.statements
	iam.allows(statement)
	some principal in requests.named_callers(document, statement)
	_outside(resource, principal.account)
}

_outside(_, account) if account == requests.other_account

_outside(resource, account) if {
	own := reach.deployed_accounts(resource)
	count(own) > 0
	account != ""
	not account in own
}

# The account of a resource of the plan, for the core: its own, else one the plan deploys into,
# else one no principal of another account has.
account_of(resource) := account if {
	account := reach.resource_account(resource)
} else := min(own) if {
	own := reach.deployed_accounts(resource)
	count(own) > 0
} else := requests.this_account

_key_arn(key) := arn if {
	arn := plan.resources[key].after.arn
	is_string(arn)
} else := sprintf("arn:aws:kms:%s:%s:key/any-key-id", [reach.region_text(plan.resources[key]), account_of(plan.resources[key])])
