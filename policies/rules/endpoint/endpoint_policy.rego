# METADATA
# title: DynamoDB VPC endpoints have a restrictive policy
# description: >-
#   An endpoint without a policy gets the default one, full access: any principal may use it for
#   any action on any table, in any account, which is the exfiltration path the endpoint should
#   close. So is a policy that allows every DynamoDB action (dynamodb:*, *, or a NotAction that
#   excludes none) to any principal (or none named) on every table (Resource "*", an ARN pattern
#   that matches every table such as arn:aws:dynamodb:*:*:* or arn:aws:dynamodb:*:*:table/*, or
#   NotResource), unless a condition narrows the caller or the tables' account: a positive
#   single-value operator on aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn,
#   aws:ResourceAccount or aws:ResourceOrgID with specific values, read as for DDB-FGAC-005.
#   aws:SourceVpc and aws:SourceVpce narrow nothing here (every request through the endpoint comes
#   from its own VPC), nor do aws:SecureTransport, aws:CurrentTime or aws:SourceIp. The policy is read from
#   the endpoint's `policy` or from an aws_vpc_endpoint_policy that references the endpoint, as JSON
#   or from its aws_iam_policy_document data source; one that cannot be read before apply is
#   DDB-EP-002-UNPROVABLE on the resource that holds it. So is an endpoint whose service name is
#   known only after apply (e.g. from data.aws_vpc_endpoint_service, as terraform-aws-modules/vpc's
#   vpc-endpoints does) when its policy would be flagged on a DynamoDB endpoint, unless the Terraform
#   source shows the data source's service is another one (--source).
# custom:
#   id: DDB-EP-002
#   guardrail: endpoint
#   severity: high
#   remediation: >-
#     Set policy to a document that allows only the actions the workloads need on their table ARNs
#     (optionally with aws:PrincipalAccount or aws:PrincipalArn conditions).
#   concept: VPC endpoints (private access)
#   example: |
#     data "aws_iam_policy_document" "endpoint" {
#       statement {
#         actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
#         resources = [aws_dynamodb_table.sessions.arn]
#         principals {
#           type        = "*"
#           identifiers = ["*"]
#         }
#       }
#     }
#
#     resource "aws_vpc_endpoint" "dynamodb" {
#       # ...
#       policy = data.aws_iam_policy_document.endpoint.json
#     }
package ddb_guardrails.rules.endpoint.endpoint_policy

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam_conditions
import data.ddb_guardrails.lib.network
import data.ddb_guardrails.lib.wildcard as wildcards

violation contains finding if {
	some address, _ in network.dynamodb_endpoints
	some document in network.endpoint_documents(address)
	some problem in problems(address, document)
	problem.provable
	finding := findings.violation(rego.metadata.chain(), problem.holder, problem.message, [problem.evidence])
}

violation contains finding if {
	some address, _ in network.dynamodb_endpoints
	some document in network.endpoint_documents(address)
	some problem in problems(address, document)
	not problem.provable
	finding := findings.unprovable(rego.metadata.chain(), problem.holder, problem.message, [problem.evidence])
}

# An endpoint whose service is known only after apply may be a DynamoDB endpoint: if its policy would
# be flagged on one, the verdict waits for the service name (with the source at hand, a service read
# from data.aws_vpc_endpoint_service is known, and the verdict exact).
violation contains finding if {
	some address, _ in network.possible_dynamodb_endpoints
	some document in network.endpoint_documents(address)
	some problem in problems(address, document)
	finding := findings.unprovable(
		rego.metadata.chain(),
		problem.holder,
		sprintf("the service of %s is only known after apply; if it is DynamoDB: %s", [address, problem.message]),
		[sprintf("%s.service_name: (known after apply)", [address]), problem.evidence],
	)
}

# What is wrong with an endpoint's policy document if the endpoint is a DynamoDB one.
problems(address, document) := {{
	"provable": true,
	"holder": address,
	"message": "DynamoDB endpoint has no policy, so it allows full access",
	"evidence": sprintf("%s.%s: not set (default policy: full access)", [address, document.path]),
}} if document.status == "absent"

problems(_, document) := {problem |
	some i, statement in document.statements
	open(statement)
	problem := {
		"provable": true,
		"holder": document.holder,
		"message": sprintf("%s statement[%d] allows every DynamoDB action to any principal on every table", [document.path, i]),
		"evidence": sprintf("%s statement[%d]: %s %s, %s %s on %s %s, %s", [
			document.origin, i,
			statement.principals.kind, json.marshal(statement.principals.values),
			statement.actions.kind, json.marshal(statement.actions.written),
			statement.resources.kind, json.marshal(statement.resources.values),
			iam_conditions.describe_conditions(statement),
		]),
	}
} if document.status == "known"

problems(_, document) := {{
	"provable": false,
	"holder": document.holder,
	"message": sprintf("%s cannot be read before apply: %s", [document.path, document.reason]),
	"evidence": sprintf("%s: %s", [document.origin, document.reason]),
}} if document.status == "unprovable"

open(statement) if {
	iam.allows(statement)
	anyone(statement)
	iam.covered_actions(statement) == iam.dynamodb_actions
	every_table(statement)
	not iam_conditions.narrows_endpoint_use(statement)
}

# An ARN no configuration names: a resource pattern that matches it matches every table.
probe_table_arn := "arn:aws:dynamodb:xx-probe-1:000000000000:table/ddb-guardrails-probe"

every_table(statement) if statement.resources.kind == "NotResource"

every_table(statement) if {
	statement.resources.kind == "Resource"
	some value in statement.resources.values
	wildcards.matches(lower(value), probe_table_arn)
}

# An endpoint policy statement without a principal applies to everyone.
anyone(statement) if iam.any_principal(statement)

anyone(statement) if statement.principals.kind == "none"
