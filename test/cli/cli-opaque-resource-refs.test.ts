// A Resource known only after apply built from a value that is not an ARN (an SSM parameter's value,
// the id of a resource of another provider, a bucket's id) can name any table; the ARN of the plan's
// table, key, log group or bucket reaches only that. Both as aws_iam_policy_document and jsonencode().
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePlan, runCli } from "../helpers/paths";

interface Finding {
  rule: string;
  address: string;
  witness?: { action: string; resource: string };
}

const fixture = "fgac-opaque-resource-refs";

function fgac(plan: string): Finding[] {
  const run = runCli(["validate", plan, "-f", "json", "--no-access-map"]);
  expect(run.status).toBe(1);
  return (JSON.parse(run.stdout).violations as Finding[]).filter((f) => f.rule.startsWith("DDB-FGAC-"));
}

const lines = (findings: Finding[]): string[] => findings.map((f) => `${f.rule} ${f.address}`).sort();

describe("IAM resources known only after apply that read a value other than an ARN", () => {
  test("with the source: each invalid policy lets Scan reach a table no one names; a write may reach the protected table; valid ones pass", () => {
    const findings = fgac(fixturePlan(fixture));
    expect(lines(findings)).toEqual(
      [
        "aws_iam_policy.invalid_scan_bucket_named_table",
        "aws_iam_policy.invalid_scan_parameter_table",
        "aws_iam_policy.invalid_scan_parameter_table_jsonencode",
        "aws_iam_role_policy.invalid_scan_data_table",
        "aws_iam_role_policy.invalid_scan_data_table_jsonencode",
      ]
        .map((address) => `DDB-FGAC-002 ${address}`)
        .concat(["DDB-FGAC-004 aws_iam_role_policy.invalid_write_parameter_table"])
        .sort(),
    );
    for (const finding of findings.filter((f) => f.rule === "DDB-FGAC-002")) {
      expect(finding.witness).toMatchObject({
        action: "dynamodb:Scan",
        resource: expect.stringMatching(/:table\/ddb-guardrails-probe$/),
      });
    }
    // The table whose attribute "role" is protected may be the one the parameter names.
    const write = findings.find((f) => f.rule === "DDB-FGAC-004");
    expect(write?.witness?.resource).toMatch(/:table\/orders$/);
  });

  test("from the plan alone: the data source forms are judged the same, the jsonencode() forms are -UNPROVABLE", () => {
    const copy = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-opaque-")), "plan.json");
    cpSync(fixturePlan(fixture), copy);
    const found = lines(fgac(copy));
    expect(found.filter((line) => !line.includes("-UNPROVABLE "))).toEqual([
      "DDB-FGAC-002 aws_iam_policy.invalid_scan_bucket_named_table",
      "DDB-FGAC-002 aws_iam_policy.invalid_scan_parameter_table",
      "DDB-FGAC-002 aws_iam_role_policy.invalid_scan_data_table",
      "DDB-FGAC-004 aws_iam_role_policy.invalid_write_parameter_table",
    ]);
    expect(new Set(found.filter((line) => line.includes("-UNPROVABLE ")).map((line) => line.split(" ")[1]))).toEqual(
      new Set([
        "aws_iam_policy.invalid_scan_parameter_table_jsonencode",
        "aws_iam_role_policy.invalid_scan_data_table_jsonencode",
        "aws_iam_role_policy.valid_own_items_jsonencode",
      ]),
    );
  });
});
