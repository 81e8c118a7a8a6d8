# METADATA
# title: DAX clusters encrypt data at rest and in transit
# description: >-
#   A DAX cluster caches table items in memory and on its nodes; DynamoDB's encryption does not
#   extend to it. Without server_side_encryption the cache's data at rest is unencrypted, and
#   without cluster_endpoint_encryption_type = "TLS" clients talk to it in plaintext. Both are
#   fixed at creation. A setting that is only known after apply gets DDB-ENC-004-UNPROVABLE; a
#   dynamic server_side_encryption block is not in the plan and is judged as absent.
# custom:
#   id: DDB-ENC-004
#   guardrail: encryption
#   severity: high
#   remediation: >-
#     Add server_side_encryption { enabled = true } and cluster_endpoint_encryption_type = "TLS" to
#     the aws_dax_cluster (both force a new cluster).
#   concept: Encryption at rest (KMS)
#   example: |
#     resource "aws_dax_cluster" "sessions" {
#       # ...
#       cluster_endpoint_encryption_type = "TLS"
#
#       server_side_encryption {
#         enabled = true
#       }
#     }
package ddb_guardrails.rules.encryption.dax_encryption

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

violation contains finding if {
	some address, cluster in plan.of_type("aws_dax_cluster")
	not sse_unknown(cluster)
	not cluster.after.server_side_encryption[0].enabled == true
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"DAX cluster does not encrypt its data at rest",
		[sprintf("server_side_encryption[0].enabled = %v", [object.get(cluster.after, ["server_side_encryption", 0, "enabled"], null)])],
	)
}

violation contains finding if {
	some address, cluster in plan.of_type("aws_dax_cluster")
	not cluster.unknown.cluster_endpoint_encryption_type == true
	not cluster.after.cluster_endpoint_encryption_type == "TLS"
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		"DAX cluster endpoint does not use TLS",
		[sprintf("cluster_endpoint_encryption_type = %v", [object.get(cluster.after, "cluster_endpoint_encryption_type", null)])],
	)
}

violation contains finding if {
	some address, cluster in plan.of_type("aws_dax_cluster")
	some attribute in unknown_settings(cluster)
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		sprintf("%s is only known after apply", [attribute]),
		references.unknown_chain(cluster, paths[attribute], attribute),
	)
}

sse_unknown(cluster) if {
	cluster.unknown.server_side_encryption == true
} else if {
	cluster.unknown.server_side_encryption[0].enabled == true
} else := false

unknown_settings(cluster) := {attribute |
	some attribute, unknown in {
		"server_side_encryption[0].enabled": sse_unknown(cluster),
		"cluster_endpoint_encryption_type": object.get(cluster.unknown, "cluster_endpoint_encryption_type", false) == true,
	}
	unknown
}

paths := {
	"server_side_encryption[0].enabled": ["server_side_encryption", 0, "enabled"],
	"cluster_endpoint_encryption_type": ["cluster_endpoint_encryption_type"],
}
