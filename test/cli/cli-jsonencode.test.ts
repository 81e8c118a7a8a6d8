// Policies written as jsonencode({...}) whose JSON is known only after apply, validated as a user runs
// the CLI: with the Terraform source beside the plan (read by default), and the plan alone.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePlan, runCli } from "../helpers/paths";

interface Finding {
  rule: string;
  address: string;
  message: string;
  witness?: { action: string; resource: string };
}

function validate(plan: string): { status: number | null; findings: Finding[] } {
  const run = runCli(["validate", plan, "-f", "json"]);
  return { status: run.status, findings: run.stdout ? JSON.parse(run.stdout).violations : [] };
}

const lines = (findings: Finding[]): string[] => findings.map((f) => `${f.rule} ${f.address}`).sort();

function alone(name: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-jsonencode-")), "plan.json");
  cpSync(fixturePlan(name), copy);
  return copy;
}

describe("policies built with jsonencode() over values known only after apply", () => {
  test("compliant: the CloudTrail delivery role, a for expression over tenant tables, a managed policy: no finding", () => {
    expect(validate(fixturePlan("fgac-jsonencode-after-apply"))).toEqual({ status: 0, findings: [] });
  });

  test("compliant, from the plan alone: each policy is -UNPROVABLE, since only the source says what it holds", () => {
    const { status, findings } = validate(alone("fgac-jsonencode-after-apply"));
    expect(status).toBe(1);
    expect(new Set(lines(findings))).toEqual(
      new Set(
        [
          "aws_iam_policy.valid_tenant_reader",
          "aws_iam_role_policy.valid_tenant_items",
          "aws_iam_role_policy.valid_trail_to_logs",
        ].flatMap((address) => ["001", "002", "003", "006"].map((n) => `DDB-FGAC-${n}-UNPROVABLE ${address}`)),
      ),
    );
  });

  test("insecure: each policy is judged on the tables it names; unknown actions stay -UNPROVABLE", () => {
    const { status, findings } = validate(fixturePlan("fgac-jsonencode-after-apply-insecure"));
    expect(status).toBe(1);
    expect(lines(findings)).toEqual(
      [
        "DDB-FGAC-001 aws_dynamodb_resource_policy.invalid_public_table",
        "DDB-FGAC-005 aws_dynamodb_resource_policy.invalid_public_table",
        "DDB-FGAC-002 aws_iam_policy.invalid_scan_unfollowed_table",
        "DDB-FGAC-001 aws_iam_role.invalid_inline_all_actions",
        "DDB-FGAC-002 aws_iam_role.invalid_inline_all_actions",
        "DDB-FGAC-001 aws_iam_role_policy.invalid_scan_tenant_tables",
        "DDB-FGAC-002 aws_iam_role_policy.invalid_scan_tenant_tables",
        ...["001", "002", "003", "006"].map(
          (n) => `DDB-FGAC-${n}-UNPROVABLE aws_iam_user_policy.invalid_actions_after_apply`,
        ),
      ].sort(),
    );
    const scan = findings.find((f) => f.rule === "DDB-FGAC-002" && f.address.endsWith("invalid_scan_tenant_tables"));
    expect(scan).toMatchObject({
      message: "policy statement[1] allows dynamodb:Scan",
      witness: { action: "dynamodb:Scan", resource: expect.stringMatching(/:table\/orders-(acme|globex)$/) },
    });
    // A table ARN passed through terraform_data cannot be followed: the Scan reaches any table.
    const anyTable = findings.find((f) => f.address.endsWith("invalid_scan_unfollowed_table"));
    expect(anyTable?.witness?.resource).toMatch(/:table\/ddb-guardrails-probe$/);
    const unknown = findings.find((f) => f.address.endsWith("invalid_actions_after_apply"));
    expect(unknown?.message).toBe("policy cannot be read before apply: Statement[1].Action is only known after apply");
  });

  test("older fixtures' jsonencode() policies, -UNPROVABLE from the plan alone, are judged with the source", () => {
    const on = (fixture: string, address: string, plan = fixturePlan(fixture)) =>
      lines(validate(plan).findings.filter((f) => f.address === address));
    const json = "aws_iam_policy.invalid_unresolvable_json";
    expect(on("fgac-leading-keys", json)).toEqual([`DDB-FGAC-001 ${json}`]);
    expect(on("fgac-leading-keys", json, alone("fgac-leading-keys"))).toEqual(
      ["001", "002", "003", "006"].map((n) => `DDB-FGAC-${n}-UNPROVABLE ${json}`),
    );
    // A Deny of DeleteTable, and DescribeTable granted to one account: nothing to report.
    expect(on("fgac-protected-attributes", "aws_iam_policy.invalid_unresolvable_writer")).toEqual([]);
    expect(on("fgac-resource-policy", "aws_dynamodb_resource_policy.invalid_unresolvable_policy")).toEqual([]);
  });
});
