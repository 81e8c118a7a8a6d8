// The endpoint guardrail (DDB-EP-*), run from the compiled bundle on real plans of test/fixtures/endpoint-*.
import { fixtureReports } from "./helpers/fixture-reports";

const { violations: endpoint, findings } = fixtureReports("endpoint");

describe("DDB-EP on real plans", () => {
  test("a VPC hosting a Lambda with a gateway endpoint, restrictive policy, associated route tables and aws:SourceVpce passes", () => {
    expect(findings("endpoint-compliant")).toEqual([]);
  });

  test("VPCs hosting Lambda functions or EC2 instances without a DynamoDB gateway endpoint, and their workloads' policies without aws:SourceVpce", () => {
    expect(findings("endpoint-missing")).toEqual(
      [
        "DDB-EP-001 aws_vpc.invalid_instances_only",
        "DDB-EP-001 aws_vpc.invalid_no_endpoint",
        "DDB-EP-001 aws_vpc.invalid_s3_endpoint_only",
        "DDB-EP-001-UNPROVABLE aws_lambda_function.invalid_existing_subnets",
        "DDB-EP-001-UNPROVABLE aws_vpc.invalid_unknown_service",
        "DDB-EP-004 aws_iam_role_policy.invalid_deny_inside_endpoint",
        "DDB-EP-004 aws_iam_role_policy.invalid_no_source_vpce",
        "DDB-EP-004 aws_iam_role_policy.invalid_source_vpce_if_exists",
        "DDB-EP-004-UNPROVABLE aws_iam_role_policy.invalid_unresolvable_data_policy",
      ].sort(),
    );
  });

  test("AWS-managed policies attached to the role of a VPC workload need aws:SourceVpce too", () => {
    expect(findings("endpoint-managed-policies")).toEqual(
      [
        "DDB-EP-001 aws_vpc.invalid_no_endpoint",
        "DDB-EP-004 aws_iam_policy_attachment.invalid_full_access",
        "DDB-EP-004 aws_iam_role.invalid_managed_policy_arns",
        "DDB-EP-004 aws_iam_role_policy_attachment.invalid_read_only",
        "DDB-EP-004 aws_iam_role_policy_attachments_exclusive.invalid_exclusive",
      ].sort(),
    );
  });

  test("endpoints without a policy or with an open one, and endpoints not serving the Lambda subnets' route tables", () => {
    expect(findings("endpoint-policy-routes")).toEqual(
      [
        "DDB-EP-002 aws_vpc_endpoint.invalid_no_policy",
        "DDB-EP-002 aws_vpc_endpoint.invalid_open_policy",
        "DDB-EP-002 aws_vpc_endpoint.invalid_open_policy",
        "DDB-EP-002 module.endpoint.aws_vpc_endpoint.invalid_open_document",
        "DDB-EP-002-UNPROVABLE aws_vpc_endpoint.invalid_unresolvable",
        "DDB-EP-003 aws_vpc_endpoint.invalid_route_tables",
        "DDB-EP-003-UNPROVABLE aws_vpc_endpoint.invalid_route_tables",
        "DDB-EP-003-UNPROVABLE aws_vpc_endpoint.invalid_unresolvable",
      ].sort(),
    );
  });

  test("every action to anyone on every table is full access, whatever the pattern, unless the caller or the tables' account is narrowed", () => {
    expect(findings("endpoint-policy-conditions")).toEqual(
      [
        "DDB-EP-002 aws_vpc_endpoint.invalid_every_arn",
        "DDB-EP-002 aws_vpc_endpoint.invalid_every_table",
        "DDB-EP-002 aws_vpc_endpoint.invalid_principal_arn_star",
        "DDB-EP-002 aws_vpc_endpoint.invalid_resource_account_if_exists",
        "DDB-EP-002 aws_vpc_endpoint.invalid_secure_transport",
        "DDB-EP-002 aws_vpc_endpoint.invalid_source_ip_anywhere",
        "DDB-EP-002 aws_vpc_endpoint.invalid_source_vpc",
        "DDB-EP-002 aws_vpc_endpoint_policy.invalid_separate_policy",
      ].sort(),
    );
  });

  test("no valid_* resource of any endpoint fixture has a finding", () => {
    const cases = ["endpoint-compliant", "endpoint-missing", "endpoint-policy-routes", "endpoint-policy-conditions"];
    const flagged = cases.flatMap((name) => endpoint(name).map((f) => f.address));
    expect(flagged.filter((address) => /(^|\.)valid_/.test(address))).toEqual([]);
  });

  test("the VPC finding shows the reference chain from the function to the VPC", () => {
    const finding = endpoint("endpoint-missing").find((f) => f.address === "aws_vpc.invalid_no_endpoint");
    expect(finding).toMatchObject({
      rule: "DDB-EP-001",
      evidence: ["aws_lambda_function.worker -> aws_subnet.app -> aws_vpc.invalid_no_endpoint"],
    });
  });

  test("an endpoint without a policy is reported as full access on the endpoint", () => {
    const finding = endpoint("endpoint-policy-routes").find((f) => f.address === "aws_vpc_endpoint.invalid_no_policy");
    expect(finding).toMatchObject({
      rule: "DDB-EP-002",
      severity: "high",
      message: "DynamoDB endpoint has no policy, so it allows full access",
    });
  });
});
