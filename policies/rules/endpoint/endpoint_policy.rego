# METADATA
# title: DynamoDB VPC endpoints have a restrictive policy
# description: >-
#   An endpoint without a policy gets the default one, full access: any principal may use it for
#   any action on any table, in any account, which is the exfiltration path the endpoint should
#   close. So is a policy statement that lets a caller inside the VPC write items (PutItem,
#   BatchWriteItem, UpdateItem, PartiQLInsert) into a table of another account, asked of the IAM
#   evaluation core with the policy's Deny statements in force: a workload copies data out through
#   the endpoint. Statements that allow every DynamoDB action are named so in the message. A
#   statement narrowed by a positive single-value operator on aws:PrincipalAccount,
#   aws:PrincipalOrgID, aws:PrincipalArn, aws:ResourceAccount or aws:ResourceOrgID with specific
#   values (read as for DDB-FGAC-005) is not flagged; aws:ResourceAccount is set on every DynamoDB
#   request, so ...IfExists on it narrows as well. The witness is the write that gets through.
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
import data.ddb_guardrails.lib.iam.conditions as iam_conditions
import data.ddb_guardrails.lib.iam.requests
import data.ddb_guardrails.lib.network

violation contains finding if {
	some address, _ in network.dynamodb_endpoints
	some document in network.endpoint_documents(address)
	some problem in problems(address, document)
	problem.provable
	finding := object.union(
		findings.violation(rego.metadata.chain(), problem.holder, problem.message, [problem.evidence]),
		{"witness": problem.witness},
	)
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
	"witness": exfiltration({"statements": [requests.anything.statements[0]]}, requests.anything.statements[0]),
}} if document.status == "absent"

problems(_, document) := {problem |
	some i, statement in document.statements
	iam.allows(statement)
	anyone(statement)
	not iam_conditions.narrows_endpoint_use(statement)
	found := exfiltration(document, statement)
	problem := {
		"provable": true,
		"holder": document.holder,
		"message": message(document, i, statement),
		"evidence": sprintf("%s statement[%d]: %s %s, %s %s on %s %s, %s", [
			document.origin, i,
			statement.principals.kind, json.marshal(statement.principals.values),
			statement.actions.kind, json.marshal(statement.actions.written),
			statement.resources.kind, json.marshal(statement.resources.values),
			iam_conditions.describe_conditions(statement),
		]),
		"witness": found,
	}
} if document.status == "known"

problems(_, document) := {{
	"provable": false,
	"holder": document.holder,
	"message": concat("", [document.path, " cannot be read before apply: ", document.reason]),
	"evidence": concat(": ", [document.origin, document.reason]),
}} if document.status == "unprovable"

message(document, i, statement) := sprintf("%s statement[%d] allows every DynamoDB action to any principal on every table", [document.path, i]) if {
	iam.covered_actions(statement) == iam.dynamodb_actions
} else := sprintf("%s statement[%d] lets any principal write items to tables of any account through the endpoint", [document.path, i])

# Writes that copy data out: a caller of this account puts items into a table of another account
# (whose own policy lets it), through the endpoint. Asked of the IAM evaluation core with the
# endpoint policy's Deny statements in force.
exfiltration(document, statement) := requests.witness([{
	"request": {"principal": caller, "action": action, "resource": resource, "context": inside_vpc(statement)},
	"policies": {
		"identity": [requests.anything],
		"resource": [foreign_table_policy],
		"endpoint": [requests.asked(document, statement)],
		"resource_account": requests.other_account,
	},
} |
	some resource in foreign_tables(statement)
	some caller in callers
	some action in ["dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem", "dynamodb:PartiQLInsert"]
])

# Requests through the endpoint come from inside its VPC, the way the statement asks (its VPC, over
# TLS, from an address it names), at a time the policy is in force.
inside_vpc(statement) := object.union(path(statement), {"aws:SourceIp": split(min(addresses), "/")[0]}) if {
	addresses := {value |
		some condition in iam.conditions_on(statement, "aws:sourceip")
		condition.operator == "ipaddress"
		some value in condition.values
	}
	count(addresses) > 0
} else := path(statement)

path(statement) := object.union(requests.path(statement), {"aws:CurrentTime": requests.now})

# A workload inside the VPC: a role's session, or an IAM user's keys.
callers := [requests.unnamed_caller(requests.this_account, kind) | some kind in ["role", "user"]]

# A table of another account in each region the statement's patterns write out.
foreign_tables(statement) := sort({foreign(split(probe, ":")) | some probe in requests.probe_tables(statement)})

foreign(parts) := concat(":", array.concat(
	array.concat(array.slice(parts, 0, 4), [requests.other_account]),
	array.slice(parts, 5, count(parts)),
))

# The other account's table lets anyone write: it is the attacker's.
foreign_table_policy := {"statements": [{
	"effect": "Allow",
	"actions": {"kind": "Action", "patterns": ["*"]},
	"resources": {"kind": "Resource", "values": ["*"]},
	"principals": {"kind": "Principal", "values": {"*"}},
	"conditions": [],
}]}

# An endpoint policy statement without a principal applies to everyone.
anyone(statement) if iam.any_principal(statement)

anyone(statement) if statement.principals.kind == "none"
