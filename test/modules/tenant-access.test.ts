import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { Construct } from "constructs";
import {
  GuardrailConfigError,
  iamActions,
  LeadingKey,
  TenantAccessPolicy,
  type TenantAccessPolicyProps,
} from "../../modules";
import { fullStack, statement, statements, synth, configError } from "./harness";

const TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions";
const RESOURCES = [TABLE, `${TABLE}/index/*`];
const base: TenantAccessPolicyProps = {
  policyName: "tenants",
  tableArns: [TABLE],
  sourceVpceIds: ["vpce-0123456789abcdef0"],
};
const tenant =
  (props: Partial<TenantAccessPolicyProps> = {}) =>
  (scope: Construct) =>
    new TenantAccessPolicy(scope, "tenants", { ...base, ...props });
const sids = (json: string) => statements(json, "tenants/document").map((s) => s.sid);

describe("TenantAccessPolicy defaults", () => {
  const json = synth(tenant());

  test("binds item reads and writes to the caller's user name with dynamodb:LeadingKeys", () => {
    const allow = statement(json, "tenants/document", "TenantOwnItems");
    expect(allow.effect).toBe("Allow");
    expect(allow.resources).toEqual(RESOURCES);
    expect(allow.actions).toEqual([...iamActions.ITEM_READ_ACTIONS, ...iamActions.ITEM_WRITE_ACTIONS]);
    // &{...} is how aws_iam_policy_document keeps a policy variable from Terraform interpolation.
    expect(allow.condition).toEqual([
      { test: "ForAllValues:StringEquals", variable: "dynamodb:LeadingKeys", values: ["&{aws:username}"] },
    ]);
  });

  test("denies Scan outright", () => {
    expect(statement(json, "tenants/document", "DenyScan")).toEqual(
      expect.objectContaining({
        effect: "Deny",
        actions: expect.arrayContaining(["dynamodb:Scan"]),
        resources: RESOURCES,
      }),
    );
  });

  test("denies writes that touch isAdmin", () => {
    expect(statement(json, "tenants/document", "DenyProtectedAttributeWrites")).toEqual(
      expect.objectContaining({
        effect: "Deny",
        actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
        condition: [{ test: "ForAnyValue:StringEquals", variable: "dynamodb:Attributes", values: ["isAdmin"] }],
      }),
    );
  });

  test("denies requests that do not come through the VPC endpoint", () => {
    expect(statement(json, "tenants/document", "DenyOutsideVpcEndpoint")).toEqual(
      expect.objectContaining({
        effect: "Deny",
        actions: ["dynamodb:*"],
        condition: [{ test: "StringNotEquals", variable: "aws:SourceVpce", values: ["vpce-0123456789abcdef0"] }],
      }),
    );
  });

  test("creates a managed policy and no attachment unless asked", () => {
    expect(json).toHaveResourceWithProperties(IamPolicy, { name: "tenants" });
    expect(json).not.toHaveResource(IamRolePolicyAttachment);
  });

  test("synthesizes a stack that terraform validates", () => {
    expect(
      fullStack((stack) =>
        tenant({ role: { roleName: "tenant", servicePrincipals: ["lambda.amazonaws.com"] } })(stack),
      ),
    ).toBeValidTerraform();
  });
});

describe("TenantAccessPolicy options", () => {
  test("binds to a principal tag or a web identity", () => {
    const tagged = statement(
      synth(tenant({ leadingKey: LeadingKey.principalTag("tenant") })),
      "tenants/document",
      "TenantOwnItems",
    );
    expect(tagged.condition[0].values).toEqual(["&{aws:PrincipalTag/tenant}"]);
    const web = statement(
      synth(tenant({ leadingKey: LeadingKey.webIdentity("cognito-identity.amazonaws.com:sub") })),
      "tenants/document",
      "TenantOwnItems",
    );
    expect(web.condition[0].values).toEqual(["&{cognito-identity.amazonaws.com:sub}"]);
  });

  test("read access grants no writes", () => {
    const allow = statement(synth(tenant({ access: "read" })), "tenants/document", "TenantOwnItems");
    expect(allow.actions).toEqual([...iamActions.ITEM_READ_ACTIONS]);
  });

  test("an attribute allow-list requires SPECIFIC_ATTRIBUTES reads", () => {
    const allow = statement(
      synth(tenant({ allowedAttributes: ["username", "sessionId", "expiresAt"] })),
      "tenants/document",
      "TenantOwnItems",
    );
    expect(allow.condition).toEqual(
      expect.arrayContaining([
        {
          test: "ForAllValues:StringEquals",
          variable: "dynamodb:Attributes",
          values: ["username", "sessionId", "expiresAt"],
        },
        { test: "StringEqualsIfExists", variable: "dynamodb:Select", values: ["SPECIFIC_ATTRIBUTES"] },
      ]),
    );
  });

  test("source IPs use aws:VpcSourceIp behind an endpoint and aws:SourceIp without one", () => {
    const behind = statement(
      synth(tenant({ sourceIpCidrs: ["10.0.0.0/16"] })),
      "tenants/document",
      "DenyOutsideSourceIps",
    );
    expect(behind.condition).toEqual([{ test: "NotIpAddress", variable: "aws:VpcSourceIp", values: ["10.0.0.0/16"] }]);
    const open = statement(
      synth(
        tenant({
          sourceVpceIds: undefined,
          sourceVpceWaiver: "partner access over the internet",
          sourceIpCidrs: ["203.0.113.0/24"],
        }),
      ),
      "tenants/document",
      "DenyOutsideSourceIps",
    );
    expect(open.condition[0].variable).toBe("aws:SourceIp");
  });

  test("a time window denies access outside it", () => {
    const json = synth(tenant({ notBefore: "2026-01-01T00:00:00Z", notAfter: "2026-12-31T23:59:59Z" }));
    expect(statement(json, "tenants/document", "DenyBeforeWindow").condition).toEqual([
      { test: "DateLessThan", variable: "aws:CurrentTime", values: ["2026-01-01T00:00:00Z"] },
    ]);
    expect(statement(json, "tenants/document", "DenyAfterWindow").condition[0].test).toBe("DateGreaterThan");
  });

  test("without an endpoint (with a reason) there is no endpoint Deny", () => {
    expect(
      sids(synth(tenant({ sourceVpceIds: undefined, sourceVpceWaiver: "internal tool without a VPC" }))),
    ).not.toContain("DenyOutsideVpcEndpoint");
  });

  test("creates and attaches the role, and attaches to groups", () => {
    const json = synth((scope) => {
      const t = tenant({ role: { roleName: "tenant", awsPrincipals: ["arn:aws:iam::111122223333:root"] } })(scope);
      t.attachToGroup("session-users");
    });
    expect(json).toHaveResourceWithProperties(IamRole, { name: "tenant" });
    expect(json).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      role: expect.stringMatching(/^\$\{aws_iam_role\.tenants_role[\w-]*\.name\}$/),
    });
    expect(json).toHaveResourceWithProperties(IamGroupPolicyAttachment, { group: "session-users" });
  });

  test("attaches to an existing role by name", () => {
    expect(synth(tenant({ role: "existing" }))).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      role: "existing",
    });
  });
});

describe("TenantAccessPolicy rejects", () => {
  const cases: Array<[string, Partial<TenantAccessPolicyProps>, string, RegExp]> = [
    [
      "no VPC endpoint and no reason",
      { sourceVpceIds: undefined },
      "sourceVpceIds",
      /must name the VPC endpoint.*set `sourceVpceWaiver` to a reason/,
    ],
    ["no tables", { tableArns: [] }, "tableArns", /must name at least one table/],
    [
      "a wildcard table",
      { tableArns: ["arn:aws:dynamodb:eu-west-1:111122223333:table/*"] },
      "tableArns",
      /without wildcards/,
    ],
    ["an empty protected-attribute list", { protectedAttributes: [] }, "protectedAttributes", /cannot be empty/],
    [
      "an allow-list that includes a protected attribute",
      { allowedAttributes: ["username", "isAdmin"] },
      "allowedAttributes",
      /must not include protected attributes, got \["isAdmin"\]/,
    ],
    [
      "a time that is not ISO 8601",
      { notBefore: "next tuesday" },
      "notBefore",
      /must be an ISO 8601 time, got "next tuesday"/,
    ],
    [
      "a window that ends before it starts",
      { notBefore: "2026-02-01T00:00:00Z", notAfter: "2026-01-01T00:00:00Z" },
      "notAfter",
      /must be later than `notBefore`/,
    ],
    ["a role nobody can assume", { role: { roleName: "orphan" } }, "role", /must name who assumes "orphan"/],
  ];
  test.each(cases)("%s", (_name, props, prop, message) => {
    const error = configError(tenant(props));
    expect(error.prop).toBe(prop);
    expect(error.message).toMatch(message);
  });

  test("a principal tag that is not a tag key", () => {
    expect(() => LeadingKey.principalTag("bad tag}")).toThrow(GuardrailConfigError);
  });
});
