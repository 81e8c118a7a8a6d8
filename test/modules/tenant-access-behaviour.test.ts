// What the tenant policy does, not only what it says: the policy JSON Terraform rendered for the
// generated tenant-access module (the real fixture plan) evaluated by an IAM policy simulator.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { FIXTURES } from "../helpers/paths";

const ACCOUNT = "111122223333";
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/sessions`;
const ENDPOINT = "vpce-0123456789abcdef0";

const plan = JSON.parse(readFileSync(join(FIXTURES, "terraform-modules-tenant-access", "plan.json"), "utf8"));
const policy = JSON.parse(plan.resource_changes.find((c: any) => c.type === "aws_iam_policy").change.after.policy);

async function decide(
  action: string,
  opts: { key?: string; attributes?: string[]; viaEndpoint?: boolean; resource?: string } = {},
): Promise<string> {
  const context: Record<string, string | string[]> = {
    "aws:username": "alice",
    "aws:PrincipalType": "User",
    "aws:PrincipalAccount": ACCOUNT,
    "aws:SecureTransport": "true",
  };
  if (opts.key) context["dynamodb:LeadingKeys"] = [opts.key];
  if (opts.attributes) context["dynamodb:Attributes"] = opts.attributes;
  if (opts.viaEndpoint ?? true) context["aws:SourceVpce"] = ENDPOINT;
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:user/alice`,
        action,
        resource: { resource: opts.resource ?? TABLE, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [{ name: "tenant", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}

describe("tenant policy, evaluated for IAM user alice", () => {
  test("the rendered policy binds LeadingKeys to ${aws:username}", () => {
    expect(JSON.stringify(policy)).toContain('"dynamodb:LeadingKeys":"${aws:username}"');
  });

  test.each([
    ["GetItem on her own item", "dynamodb:GetItem", { key: "alice" }],
    [
      "PutItem of her own session",
      "dynamodb:PutItem",
      { key: "alice", attributes: ["username", "sessionId", "expiresAt"] },
    ],
    ["Query her own items through an index", "dynamodb:Query", { key: "alice", resource: `${TABLE}/index/by-device` }],
  ])("allows %s", async (_name, action, opts) => {
    expect(await decide(action, opts)).toBe("Allowed");
  });

  test.each([
    ["GetItem on bob's item", "dynamodb:GetItem", { key: "bob" }, "ImplicitlyDenied"],
    ["a Scan", "dynamodb:Scan", {}, "ExplicitlyDenied"],
    [
      "a PutItem that sets isAdmin",
      "dynamodb:PutItem",
      { key: "alice", attributes: ["username", "sessionId", "isAdmin"] },
      "ExplicitlyDenied",
    ],
    [
      "an UpdateItem that sets isAdmin",
      "dynamodb:UpdateItem",
      { key: "alice", attributes: ["isAdmin"] },
      "ExplicitlyDenied",
    ],
    [
      "GetItem on her own item, not through the VPC endpoint",
      "dynamodb:GetItem",
      { key: "alice", viaEndpoint: false },
      "ExplicitlyDenied",
    ],
    ["a DeleteTable", "dynamodb:DeleteTable", {}, "ImplicitlyDenied"],
  ])("denies %s", async (_name, action, opts, expected) => {
    expect(await decide(action, opts)).toBe(expected);
  });
});
