# METADATA
# title: VPCs that host compute have a DynamoDB gateway endpoint
# description: >-
#   Without a gateway endpoint, Lambda functions (vpc_config), EC2 instances and ECS services in a
#   VPC reach DynamoDB through a NAT gateway and the internet, and policies cannot pin access to
#   the VPC with aws:SourceVpce. Compute is linked to its aws_vpc through the configuration
#   (subnet_ids -> aws_subnet.vpc_id -> aws_vpc), since ids are unknown until apply; an endpoint
#   counts when its vpc_id references that VPC, its service_name is com.amazonaws.<region>.dynamodb
#   and its type is Gateway. When the plan cannot place compute in one of its VPCs (literal subnet
#   ids, a subnet of an existing VPC, a module output) the compute resource gets
#   DDB-EP-001-UNPROVABLE; when a VPC has no DynamoDB endpoint but an endpoint whose service_name
#   is unknown until apply, the VPC gets DDB-EP-001-UNPROVABLE.
# custom:
#   id: DDB-EP-001
#   guardrail: endpoint
#   severity: medium
#   remediation: >-
#     Add aws_vpc_endpoint { vpc_id = aws_vpc.<name>.id, service_name = "com.amazonaws.<region>.dynamodb",
#     vpc_endpoint_type = "Gateway", route_table_ids = [the private route tables] } (the
#     DynamoDbEndpoint construct does this).
#   concept: VPC endpoints (private access)
#   example: |
#     resource "aws_vpc_endpoint" "dynamodb" {
#       vpc_id            = aws_vpc.main.id
#       service_name      = "com.amazonaws.eu-west-1.dynamodb"
#       vpc_endpoint_type = "Gateway"
#       route_table_ids   = [aws_route_table.private.id]
#       policy            = data.aws_iam_policy_document.endpoint.json
#     }
package ddb_guardrails.rules.endpoint.gateway_endpoint

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.network
import data.ddb_guardrails.lib.plan

violation contains finding if {
	some vpc, hosted in network.hosting_vpcs
	count(network.gateway_endpoints_of(vpc)) == 0
	count(unknown_service_endpoints(vpc)) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		vpc,
		sprintf("VPC hosts %s but has no DynamoDB gateway endpoint", [computes(hosted)]),
		placement_evidence(vpc, hosted),
	)
}

violation contains finding if {
	some vpc, hosted in network.hosting_vpcs
	count(network.gateway_endpoints_of(vpc)) == 0
	some endpoint in unknown_service_endpoints(vpc)
	finding := findings.unprovable(
		rego.metadata.chain(),
		vpc,
		sprintf("VPC hosts %s; the service of %s is only known after apply", [computes(hosted), endpoint]),
		[sprintf("%s.service_name: (known after apply)", [endpoint])],
	)
}

violation contains finding if {
	some [compute, source] in network.unplaced
	finding := findings.unprovable(
		rego.metadata.chain(),
		compute,
		sprintf("runs in a VPC the plan does not show (subnets <- %s), so its DynamoDB endpoint cannot be checked", [iam.describe(source)]),
		[sprintf("%s <- %s", [path_text(compute), iam.describe(source)])],
	)
}

unknown_service_endpoints(vpc) := {address |
	some address, endpoint in network.unknown_service_endpoints
	vpc in network.vpcs_of(endpoint)
}

computes(hosted) := concat(", ", sort({compute | some [compute, _] in hosted}))

placement_evidence(vpc, hosted) := sort([sprintf("%s -> %s -> %s", [compute, subnet, vpc]) | some [compute, subnet] in hosted])

path_text(compute) := concat(".", [compute, iam.path_text(network.subnet_paths[plan.resources[compute].type])])
