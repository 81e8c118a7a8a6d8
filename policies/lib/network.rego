# METADATA
# title: Network placement
# description: >-
#   Where compute runs and how its VPC reaches DynamoDB, linked through configuration references
#   because subnet and VPC ids are unknown until apply (a splat is recorded as the bare address,
#   i.e. every instance). Shared by the endpoint rules.
package ddb_guardrails.lib.network

import rego.v1

import data.ddb_guardrails.lib.util

import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

# The argument that places each kind of compute in subnets.
subnet_paths := {
	"aws_lambda_function": ["vpc_config", 0, "subnet_ids"],
	"aws_instance": ["subnet_id"],
	"aws_ecs_service": ["network_configuration", 0, "subnets"],
}

# Compute placed in subnets, by address: the sources of its subnet argument (non-empty).
in_vpc[address] := sources if {
	some address, resource in plan.resources
	path := subnet_paths[resource.type]
	sources := references.sources(resource, path)
	count(sources) > 0
	not _empty_constant(sources)
}

_empty_constant(sources) if sources == {{"kind": "constant", "value": []}}

# [compute, subnet, vpc] for every placement the plan resolves.
_placements contains [compute, subnet, vpc] if {
	some compute, sources in in_vpc
	some source in sources
	source.kind == "resource"
	subnet := source.address
	some vpc in _subnet_vpcs[subnet]
}

# [compute, source] for a subnet the plan cannot place in one of its VPCs.
unplaced contains [compute, source] if {
	some compute, sources in in_vpc
	some source in sources
	not _placed_source(source)
}

_placed_source(source) if {
	source.kind == "resource"
	count(_subnet_vpcs[source.address]) > 0
}

# Indexes built in one pass each (rules, not functions, so that they are computed once per plan).
# VPCs of the plan each subnet's vpc_id points at.
_subnet_vpcs[address] := vpcs_of(subnet) if some address, subnet in plan.of_type("aws_subnet")

# VPCs of the plan each endpoint's vpc_id points at.
_endpoint_vpcs[address] := vpcs_of(endpoint) if some address, endpoint in plan.of_type("aws_vpc_endpoint")

vpcs_of(resource) := {source.address |
	some source in references.sources(resource, ["vpc_id"])
	source.kind == "resource"
	plan.resources[source.address].type == "aws_vpc"
}

# VPCs hosting compute, with their placements.
hosting_vpcs[vpc] contains [compute, subnet] if {
	some [compute, subnet, vpc] in _placements
}

# DynamoDB endpoints, and the VPCs they are in.
_dynamodb_service(name) if regex.match(`^com\.amazonaws\.[a-z0-9-]+\.dynamodb$`, name)

dynamodb_endpoints[address] := endpoint if {
	some address, endpoint in plan.of_type("aws_vpc_endpoint")
	_dynamodb_service(endpoint.after.service_name)
}

# The service name comes from data.aws_vpc_endpoint_service, read only at apply, whose
# configuration the source model knows: service = "dynamodb".
dynamodb_endpoints[address] := endpoint if {
	some address, endpoint in plan.of_type("aws_vpc_endpoint")
	endpoint.unknown.service_name == true
	_source_dynamodb_service(endpoint)
}

_source_dynamodb_service(endpoint) if {
	sources := references.sources(endpoint, ["service_name"])
	count(sources) > 0
	every source in sources {
		source.kind == "data"
		input.source.data[source.address].values.service == "dynamodb"
	}
}

# Endpoints whose service name is only known after apply.
unknown_service_endpoints[address] := endpoint if {
	some address, endpoint in plan.of_type("aws_vpc_endpoint")
	endpoint.unknown.service_name == true
	not _source_dynamodb_service(endpoint)
}

# Of those, the ones that may be DynamoDB endpoints: all but those whose service the source model
# shows to be another one (data.aws_vpc_endpoint_service with a constant service other than "dynamodb").
possible_dynamodb_endpoints[address] := endpoint if {
	some address, endpoint in unknown_service_endpoints
	not _source_other_service(endpoint)
}

_source_other_service(endpoint) if {
	sources := references.sources(endpoint, ["service_name"])
	count(sources) > 0
	every source in sources {
		source.kind == "data"
		service := input.source.data[source.address].values.service
		is_string(service)
		service != "dynamodb"
	}
}

_gateway(endpoint) if object.get(endpoint.after, "vpc_endpoint_type", "Gateway") == "Gateway"

gateway_endpoints_of(vpc) := object.get(_gateway_endpoints, vpc, set())

_gateway_endpoints[vpc] contains address if {
	some address, endpoint in dynamodb_endpoints
	_gateway(endpoint)
	some vpc in _endpoint_vpcs[address]
}

# Route tables, as tokens comparable across resources: the address of a route table of the plan,
# "main:<vpc>" for a VPC's main route table, or the literal id.
_route_table_tokens(source) := {concat("", ["main:", source.address])} if {
	source.kind == "resource"
	plan.resources[source.address].type == "aws_vpc"
}

_route_table_tokens(source) := {concat("", ["main:", s.address]) |
	some s in references.sources(plan.resources[source.address], ["default_route_table_id"])
} if {
	source.kind == "resource"
	plan.resources[source.address].type == "aws_default_route_table"
}

_route_table_tokens(source) := {source.address} if {
	source.kind == "resource"
	not plan.resources[source.address].type in {"aws_vpc", "aws_default_route_table"}
}

_route_table_tokens(source) := {concat("", ["id:", id]) | some id in util.as_list(source.value)} if source.kind == "constant"

_route_table_tokens(source) := {sprintf("unresolved:%s", [iam.describe(source)])} if not source.kind in {"resource", "constant"}

# Route tables the subnet uses: its associations, else the VPC's main route table.
subnet_route_tables(subnet, _) := _associated_tables[subnet]

subnet_route_tables(subnet, vpc) := {concat("", ["main:", vpc])} if not _associated_tables[subnet]

_associated_tables[subnet] contains token if {
	some association in plan.of_type("aws_route_table_association")
	some target in references.sources(association, ["subnet_id"])
	subnet := target.address
	some source in references.sources(association, ["route_table_id"])
	some token in _route_table_tokens(source)
}

# Route tables the endpoint is associated with: route_table_ids and association resources.
endpoint_route_tables(address) := object.get(_endpoint_tables, address, set())

_endpoint_tables[address] contains token if {
	some address, endpoint in dynamodb_endpoints
	some source in references.sources(endpoint, ["route_table_ids"])
	some token in _route_table_tokens(source)
}

_endpoint_tables[address] contains token if {
	some association in plan.of_type("aws_vpc_endpoint_route_table_association")
	some target in references.sources(association, ["vpc_endpoint_id"])
	address := target.address
	some source in references.sources(association, ["route_table_id"])
	some token in _route_table_tokens(source)
}

# The policy documents of an endpoint: its own `policy`, or aws_vpc_endpoint_policy resources.
# Lists, and indexes of positions rather than sets of documents (see iam.documents_of_kind).
endpoint_documents(address) := [_endpoint_documents[i] | some i in object.get(_endpoint_document_indices, address, set())]

_endpoint_documents := iam.documents_of_kind("endpoint")

_endpoint_document_indices[address] contains i if {
	some i, document in _endpoint_documents
	address := document.holder
	not _separate_policies[address]
}

_endpoint_document_indices[address] contains i if {
	some i, document in _endpoint_documents
	some address in _separate_policies_of[document.holder]
}

# aws_vpc_endpoint_policy resources, by the endpoint they set the policy of, and the reverse.
_separate_policies[endpoint] contains holder if {
	some holder, endpoint_ids in _separate_policies_of
	some endpoint in endpoint_ids
}

_separate_policies_of[holder] := {source.address | some source in references.sources(resource, ["vpc_endpoint_id"])} if {
	some holder, resource in plan.of_type("aws_vpc_endpoint_policy")
}

# Roles of compute, by compute address (a Lambda's execution role).
roles_of(compute) := {source.address |
	resource := plan.resources[compute]
	resource.type == "aws_lambda_function"
	some source in references.sources(resource, ["role"])
	source.kind == "resource"
	plan.resources[source.address].type == "aws_iam_role"
}

# Identity policy documents that apply to a role: inline, aws_iam_role_policy, attached
# aws_iam_policy resources of the plan, and policies attached by ARN.
role_documents(role) := object.get(documents_by_role, role, [])

# The same, for every role at once: built in one pass over documents and attachments, because a
# function scanning them for each role made DDB-EP-004 quadratic (docs/benchmarks.md).
documents_by_role[role] := [identity_documents[i] | some i in indices] if {
	some role, indices in role_document_indices
}

# The identity documents, and the positions in it of those that apply to each role.
identity_documents := iam.documents_of_kind("identity")

role_document_indices[role] contains i if {
	some i, document in identity_documents
	role := document.holder
}

role_document_indices[role] contains i if {
	some i, document in identity_documents
	holder := plan.resources[document.holder]
	holder.type == "aws_iam_role_policy"
	some source in references.sources(holder, ["role"])
	role := source.address
}

role_document_indices[role] contains i if {
	some attachment in plan.of_type("aws_iam_role_policy_attachment")
	some target in references.sources(attachment, ["role"])
	role := target.address
	some source in references.sources(attachment, ["policy_arn"])
	some i in iam.positions_held_by[["identity", source.address]]
}

# Policies attached by ARN (lib/iam_attachments.rego): held by the attachment, which names the role.
role_document_indices[role] contains i if {
	some i, document in identity_documents
	path := iam.role_paths[document.holder_type]
	some source in references.sources(plan.resources[document.holder], [path])
	source.kind == "resource"
	role := source.address
}
