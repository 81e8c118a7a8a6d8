# METADATA
# title: DynamoDB gateway endpoints serve the route tables of the subnets their compute uses
# description: >-
#   A gateway endpoint only carries the traffic of the route tables it is associated with; a
#   subnet whose route table is not associated still reaches DynamoDB through the internet. For
#   every subnet that hosts compute in a VPC with a DynamoDB gateway endpoint, its route table
#   (its aws_route_table_association, else the VPC's main route table) must appear in the
#   endpoint's route_table_ids or in an aws_vpc_endpoint_route_table_association, followed through
#   configuration references. A route table the plan cannot follow (a module output, an unknown
#   id) gives DDB-EP-003-UNPROVABLE on the endpoint.
# custom:
#   id: DDB-EP-003
#   guardrail: endpoint
#   severity: medium
#   remediation: >-
#     Add the route tables of the compute subnets to the endpoint's route_table_ids (or create
#     aws_vpc_endpoint_route_table_association resources for them).
#   concept: VPC endpoints (private access)
#   example: |
#     resource "aws_route_table_association" "private" {
#       count          = 2
#       subnet_id      = aws_subnet.private[count.index].id
#       route_table_id = aws_route_table.private.id
#     }
#
#     resource "aws_vpc_endpoint" "dynamodb" {
#       # ...
#       route_table_ids = [aws_route_table.private.id]
#     }
package ddb_guardrails.rules.endpoint.route_tables

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.network

violation contains finding if {
	some [endpoint, table, users] in missing
	not startswith(table, "unresolved:")
	not unresolved_endpoint_tables(endpoint)
	finding := findings.violation(
		rego.metadata.chain(),
		endpoint,
		sprintf("endpoint is not associated with route table %s, used by %s", [describe(table), concat(", ", users)]),
		[sprintf("%s: route_table_ids and associations do not include %s", [endpoint, describe(table)])],
	)
}

violation contains finding if {
	some [endpoint, table, users] in missing
	cause := unprovable_cause(endpoint, table)
	finding := findings.unprovable(
		rego.metadata.chain(),
		endpoint,
		sprintf("cannot tell whether the endpoint serves the route table of %s: %s", [concat(", ", users), cause]),
		[cause],
	)
}

# [endpoint, route table token, sorted "subnet (compute)" that use it]
missing contains [endpoint, table, users] if {
	some vpc, hosted in network.hosting_vpcs
	some endpoint in network.gateway_endpoints_of(vpc)
	associated := network.endpoint_route_tables(endpoint)
	some table in {t | some [_, subnet] in hosted; some t in network.subnet_route_tables(subnet, vpc)}
	not table in associated
	users := sort({sprintf("%s (%s)", [subnet, compute]) |
		some [compute, subnet] in hosted
		table in network.subnet_route_tables(subnet, vpc)
	})
}

unresolved_endpoint_tables(endpoint) if {
	some table in network.endpoint_route_tables(endpoint)
	startswith(table, "unresolved:")
}

unprovable_cause(_, table) := sprintf("its route table is %s", [trim_prefix(table, "unresolved:")]) if {
	startswith(table, "unresolved:")
}

unprovable_cause(endpoint, table) := sprintf("the endpoint's route tables include %s", [concat(", ", sorted_unresolved(endpoint))]) if {
	not startswith(table, "unresolved:")
	unresolved_endpoint_tables(endpoint)
}

sorted_unresolved(endpoint) := sort([trim_prefix(table, "unresolved:") |
	some table in network.endpoint_route_tables(endpoint)
	startswith(table, "unresolved:")
])

describe(table) := sprintf("the main route table of %s", [trim_prefix(table, "main:")]) if startswith(table, "main:")

describe(table) := sprintf("\"%s\"", [trim_prefix(table, "id:")]) if startswith(table, "id:")

describe(table) := table if {
	not startswith(table, "main:")
	not startswith(table, "id:")
}
