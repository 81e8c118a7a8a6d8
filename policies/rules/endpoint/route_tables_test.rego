package ddb_guardrails.rules.endpoint.route_tables_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.endpoint.route_tables

subject := "endpoint/route_tables"

test_endpoint_not_serving_the_lambda_subnet_route_table_is_flagged if {
	fixtures.findings_for(subject, "endpoint-policy-routes") == {
		["aws_vpc_endpoint.invalid_route_tables", "DDB-EP-003"],
		["aws_vpc_endpoint.invalid_route_tables", "DDB-EP-003-UNPROVABLE"],
		["aws_vpc_endpoint.invalid_unresolvable", "DDB-EP-003-UNPROVABLE"],
	}
}

test_route_tables_via_splat_count_main_table_and_association_resource_pass if {
	fixtures.findings_for(subject, "endpoint-compliant") == set()
}

test_message_names_the_route_table_and_its_users if {
	some f in fixtures.violations(subject, fixtures.plan("endpoint-policy-routes"))
	f.address == "aws_vpc_endpoint.invalid_route_tables"
	f.message == "endpoint is not associated with route table aws_route_table.c, used by aws_subnet.c (aws_lambda_function.c)"
}

test_unresolvable_route_tables_say_what_could_not_be_followed if {
	evidence := {[f.address, e] |
		some f in fixtures.violations(subject, fixtures.plan("endpoint-policy-routes"))
		some e in f.evidence
	}
	["aws_vpc_endpoint.invalid_unresolvable", "the endpoint's route tables include local.route_table_f (not resolvable from the plan)"] in evidence
	["aws_vpc_endpoint.invalid_route_tables", "its route table is local.route_table_c2 (not resolvable from the plan)"] in evidence
}

test_route_table_descriptions if {
	route_tables.describe("main:aws_vpc.d") == "the main route table of aws_vpc.d"
	route_tables.describe("id:rtb-1") == "\"rtb-1\""
	route_tables.describe("aws_route_table.a") == "aws_route_table.a"
}
