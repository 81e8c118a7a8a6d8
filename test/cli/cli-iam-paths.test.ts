// The CLI on access granted outside the policy text of the plan (policies attached by ARN, IAM
// Identity Center permission sets) and on administration rights over every table (DDB-FGAC-006).
import { fixturePlan, runCli } from "../helpers/paths";

type Violation = { rule: string; address: string; message: string };

function validateJson(fixture: string, ...args: string[]): { status: number | null; violations: Violation[] } {
  const run = runCli(["validate", fixturePlan(fixture), "--format", "json", ...args]);
  return { status: run.status, violations: JSON.parse(run.stdout).violations };
}

const rulesOf = (violations: Violation[], address: string) =>
  violations
    .filter((v) => v.address === address)
    .map((v) => v.rule)
    .sort();

describe("ddb-guardrails validate: policies attached by reference", () => {
  test("an AWS-managed policy attached by ARN fails on the attachment; one outside the plan is unprovable", () => {
    const { status, violations } = validateJson("fgac-managed-policies");
    expect(status).toBe(1);
    expect(rulesOf(violations, "aws_iam_role_policy_attachment.invalid_dynamodb_full_access")).toEqual([
      "DDB-FGAC-001",
      "DDB-FGAC-002",
      "DDB-FGAC-003",
    ]);
    expect(rulesOf(violations, "aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan")).toEqual([
      "DDB-FGAC-001-UNPROVABLE",
      "DDB-FGAC-002-UNPROVABLE",
      "DDB-FGAC-003-UNPROVABLE",
      "DDB-FGAC-006-UNPROVABLE",
    ]);
    expect(violations.filter((v) => /(^|\.)valid_/.test(v.address))).toEqual([]);
  });

  test("Identity Center permission sets fail on their inline policy and managed attachments", () => {
    const { status, violations } = validateJson("fgac-sso", "--rules", "fgac");
    expect(status).toBe(1);
    expect(rulesOf(violations, "aws_ssoadmin_managed_policy_attachment.invalid_dynamodb_full_access")).toContain(
      "DDB-FGAC-003",
    );
    expect(rulesOf(violations, "aws_ssoadmin_permission_set_inline_policy.invalid_inline_scan")).toContain(
      "DDB-FGAC-002",
    );
    expect(
      rulesOf(violations, "aws_ssoadmin_customer_managed_policy_attachment.invalid_customer_policy_outside_plan"),
    ).toContain("DDB-FGAC-001-UNPROVABLE");
  });
});

describe("ddb-guardrails validate: DDB-FGAC-006", () => {
  test("administration actions on every table exit 1, named tables pass", () => {
    const { status, violations } = validateJson("fgac-admin-actions", "--rules", "DDB-FGAC-006");
    expect(status).toBe(1);
    expect(violations.map((v) => v.address).sort()).toEqual([
      "aws_iam_group_policy.invalid_restore_not_resource",
      "aws_iam_policy.invalid_delete_backups_wildcard",
      "aws_iam_policy.invalid_delete_table_everywhere",
      "aws_iam_role_policy.invalid_put_resource_policy_any_table",
      "aws_iam_user_policy.invalid_pitr_off_account_tables",
    ]);
  });

  test("the compliant stack passes", () => {
    const run = runCli(["validate", fixturePlan("model-compliant-stack"), "--rules", "DDB-FGAC-006"]);
    expect(run.stdout).toMatch(
      /^PASS \(\d of \d+ rules; only DDB-FGAC-006(, DDB-FGAC-006-UNPROVABLE)? ran\) 0 violations/m,
    );
    expect(run.status).toBe(0);
  });
});
