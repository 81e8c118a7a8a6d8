import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { CLI, fixturePlan, runCli } from "../helpers/paths";

describe("ddb-guardrails validate", () => {
  test("exits 1 and names the violation on an unencrypted table", () => {
    const run = runCli(["validate", fixturePlan("table-unencrypted")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/aws_dynamodb_table\.invalid_aws_owned_key\s+DDB-ENC-001/);
    expect(run.stdout).toMatch(/^FAIL 1 violation in 8 resources/m);
  });

  test("exits 0 on a compliant plan (key created in the same plan, rotation on)", () => {
    const run = runCli(["validate", fixturePlan("table-cmk-same-plan")]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^PASS 0 violations in 12 resources/m);
  });

  test("--format json prints the report contract", () => {
    const run = runCli(["validate", fixturePlan("table-aws-managed-key"), "--format", "json"]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.tool.name).toBe("ddb-guardrails");
    expect(report.summary).toEqual({ resources: 11, violations: 2, waived: 0, failOn: "low", passed: false });
    expect(report.violations.map((v: { address: string }) => v.address)).toEqual([
      "aws_dynamodb_table.invalid_aws_managed_alias",
      "aws_dynamodb_table.invalid_no_key_arn",
    ]);
  });

  test("reads the plan from stdin with -", () => {
    const run = runCli(["validate", "-"], { input: readFileSync(fixturePlan("table-unencrypted")) });
    expect(run.status).toBe(1);
  });

  test.each([
    ["garbage", "garbage", /is not valid JSON/],
    [
      "garbage over several lines (the parser quotes it)",
      "garbage\nmore\n",
      /is not valid JSON .*; expected the output of terraform show -json$/,
    ],
    ["an empty file", "", /is empty/],
  ])("exits 2 with a one-line error on %s", (_name, input, reason) => {
    const run = runCli(["validate", "-"], { input });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^ddb-guardrails: error: /);
    expect(run.stderr.trim()).toMatch(reason);
  });

  test("a reader that goes away before the report is written (| head) gets exit 2 and one line, not an internal error", async () => {
    const child = spawn(process.execPath, [CLI, "validate", fixturePlan("table-unencrypted"), "-f", "json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // before the CLI has read its plan
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(status).toBe(2);
    expect(stderr).toBe("ddb-guardrails: error: standard output was closed before all of it was written\n");
  });

  test("exits 2 on a missing file and on an unknown format", () => {
    expect(runCli(["validate", "no-such-plan.json"]).status).toBe(2);
    expect(runCli(["validate", fixturePlan("table-unencrypted"), "--format", "yaml"]).status).toBe(2);
  });
});
