package ddb_guardrails.lib.references_source_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.lib.kms
import data.ddb_guardrails.lib.network
import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

# input.source as the CLI builds it from the Terraform source (src/engine/source/source-model.ts).
vpc_source := {"locals": {"module.vpc": {"vpc_id": {
	"references": ["aws_vpc.this[0].id"],
	"module": "module.vpc",
	"source_location": "vpc/main.tf:2",
}}}}

subnet_vpc(source) := found if {
	fixture := object.union(fixtures.plan("source-vpc"), source)
	subnet := plan.resources["module.vpc.aws_subnet.private[0]"] with input as fixture
	found := references.sources(subnet, ["vpc_id"]) with input as fixture
}

test_without_source_a_local_is_unresolved if {
	subnet_vpc({}) == {{"kind": "unresolved", "reference": "module.vpc.local.vpc_id"}}
}

test_a_local_from_source_is_followed_and_says_where if {
	found := subnet_vpc({"source": vpc_source})
	found == {{"kind": "resource", "address": "module.vpc.aws_vpc.this[0]", "source_location": "vpc/main.tf:2"}}
	some source in found
	references.describe(source) == "module.vpc.aws_vpc.this[0] (created in this plan) (from source vpc/main.tf:2)"
}

test_one_of_several_values_is_any_of_them if {
	choice := {"any_of": [{"constant_value": "x"}, {"references": ["aws_vpc.this[0].id"], "module": "module.vpc"}], "source_location": "vpc/main.tf:2"}
	found := subnet_vpc({"source": {"locals": {"module.vpc": {"vpc_id": choice}}}})
	found == {
		{"kind": "constant", "value": "x", "source_location": "vpc/main.tf:2"},
		{"kind": "resource", "address": "module.vpc.aws_vpc.this[0]", "source_location": "vpc/main.tf:2"},
	}
}

test_a_local_still_pending_after_five_hops_is_unresolved if {
	loop := {"references": ["local.vpc_id"], "module": "module.vpc", "source_location": "vpc/main.tf:2"}
	subnet_vpc({"source": {"locals": {"module.vpc": {"vpc_id": loop}}}}) == {{"kind": "unresolved", "reference": "module.vpc.local.vpc_id"}}
}

replica_verdicts(source) := verdicts if {
	fixture := object.union(fixtures.plan("source-dynamodb-table"), source)
	table := plan.resources["module.valid_global.aws_dynamodb_table.this[0]"] with input as fixture
	verdicts := kms.replica_block_verdicts(table, 0) with input as fixture
}

test_a_dynamic_replica_block_from_source_is_judged_like_a_written_one if {
	block := {
		"region_name": {"constant_value": "eu-west-2", "source_location": "t/main.tf:76"},
		"kms_key_arn": {"references": ["aws_kms_key.secondary.arn"], "module": "", "source_location": "t/main.tf:76"},
	}
	blocks := {"module.valid_global.aws_dynamodb_table.this": {"replica": [block]}}
	[verdict] := [v.verdict | some v in replica_verdicts({"source": {"blocks": blocks}})]
	verdict == "customer"
	[unprovable] := [v.verdict | some v in replica_verdicts({})]
	unprovable == "unprovable"
}

endpoint := `module.vpc_endpoints.aws_vpc_endpoint.this["dynamodb"]`

service_data := `data.aws_vpc_endpoint_service.this["dynamodb"].service_name`

endpoint_source(service) := {"source": {
	"attributes": {endpoint: {"service_name": {"references": [service_data], "module": "module.vpc_endpoints", "source_location": "ep/main.tf:24"}}},
	"data": {`module.vpc_endpoints.data.aws_vpc_endpoint_service.this["dynamodb"]`: {"values": {"service": service}, "source_location": "ep/main.tf:11"}},
}}

is_dynamodb_endpoint(source) if {
	network.dynamodb_endpoints[endpoint] with input as object.union(fixtures.plan("source-vpc"), source)
}

test_an_endpoint_service_from_a_constant_data_source_is_recognised if {
	is_dynamodb_endpoint(endpoint_source("dynamodb"))
	not is_dynamodb_endpoint(endpoint_source("s3"))
	not is_dynamodb_endpoint({})
}
