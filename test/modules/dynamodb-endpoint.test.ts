import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import type { Construct } from "constructs";
import { DynamoDbGatewayEndpoint, type DynamoDbGatewayEndpointProps, GuardrailConfigError } from "../../modules";
import { ENV, fullStack, statements, synth } from "./harness";

const TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions";
const base: DynamoDbGatewayEndpointProps = {
  vpcId: "vpc-1",
  routeTableIds: ["rtb-1", "rtb-2"],
  region: ENV.region,
  tableArns: [TABLE],
  accountId: ENV.accountId,
};
const endpoint =
  (props: Partial<DynamoDbGatewayEndpointProps> = {}) =>
  (scope: Construct) =>
    new DynamoDbGatewayEndpoint(scope, "endpoint", { ...base, ...props });

describe("DynamoDbGatewayEndpoint", () => {
  test("is a gateway endpoint for the region's DynamoDB on the given route tables", () => {
    expect(synth(endpoint())).toHaveResourceWithProperties(VpcEndpoint, {
      service_name: "com.amazonaws.eu-west-1.dynamodb",
      vpc_endpoint_type: "Gateway",
      route_table_ids: ["rtb-1", "rtb-2"],
      policy: expect.stringMatching(/^\$\{data\.aws_iam_policy_document\.[\w-]+\.json\}$/),
    });
  });

  test("allows only item actions on the named tables and their indexes, to principals of the account", () => {
    const [only, ...rest] = statements(synth(endpoint()), "endpoint/policy");
    expect(rest).toHaveLength(0);
    expect(only.resources).toEqual([TABLE, `${TABLE}/index/*`]);
    expect(only.actions).toContain("dynamodb:GetItem");
    expect(only.actions).not.toContain("dynamodb:Scan");
    expect(only.actions.some((a: string) => a.includes("*"))).toBe(false);
    expect(only.condition).toEqual([
      { test: "StringEquals", variable: "aws:PrincipalAccount", values: [ENV.accountId] },
    ]);
  });

  test("names the principals instead of the account when given", () => {
    const role = "arn:aws:iam::111122223333:role/app";
    const [only] = statements(synth(endpoint({ principalArns: [role], accountId: undefined })), "endpoint/policy");
    expect(only.principals).toEqual([{ type: "AWS", identifiers: [role] }]);
    expect(only.condition).toBeUndefined();
  });

  test("synthesizes a stack that terraform validates", () => {
    expect(fullStack((stack) => endpoint()(stack))).toBeValidTerraform();
  });
});

describe("DynamoDbGatewayEndpoint rejects", () => {
  const cases: Array<[string, Partial<DynamoDbGatewayEndpointProps>, string, RegExp]> = [
    ["no route tables", { routeTableIds: [] }, "routeTableIds", /must name at least one route table/],
    ["no tables", { tableArns: [] }, "tableArns", /must name at least one table/],
    [
      "a wildcard table ARN",
      { tableArns: ["arn:aws:dynamodb:eu-west-1:111122223333:table/*"] },
      "tableArns",
      /without wildcards, got "arn:aws:dynamodb:eu-west-1:111122223333:table\/\*"/,
    ],
    [
      "neither principals nor account (the default full-access policy)",
      { accountId: undefined },
      "principalArns",
      /`principalArns` or `accountId` is required/,
    ],
    ["a principal of *", { principalArns: ["*"] }, "principalArns", /must not contain "\*"/],
    ["all actions", { actions: ["dynamodb:*"] }, "actions", /must list actions, got "dynamodb:\*"/],
  ];
  test.each(cases)("%s", (_name, props, prop, message) => {
    const run = () => synth(endpoint(props));
    expect(run).toThrow(GuardrailConfigError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect((e as GuardrailConfigError).prop).toBe(prop);
    }
  });
});
