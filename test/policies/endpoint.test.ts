// The endpoint guardrail (DDB-EP-*) as users get it, from the compiled bundle on real plans of
// test/fixtures/endpoint-*: what the findings say. Which findings each fixture has is asserted by the
// Rego tests (policies/rules/endpoint/*_test.rego), and test/reliability/wasm-parity.test.ts holds the bundle to them.
import { fixtureReports } from "../helpers/fixture-reports";

const { violations: endpoint } = fixtureReports("endpoint");

describe("DDB-EP on real plans", () => {
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
