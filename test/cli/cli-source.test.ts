// `validate plan.json --source <dir>`: the Terraform source behind a plan file, read as a user runs the CLI.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES, runCli } from "../helpers/paths";

const rootDir = join(FIXTURES, "source-vpc");
const elsewhere = mkdtempSync(join(tmpdir(), "ddb-guardrails-source-"));
const planCopy = join(elsewhere, "plan.json");
cpSync(join(rootDir, "plan.json"), planCopy);

function findings(args: string[]): { status: number | null; lines: string[]; stderr: string } {
  const run = runCli(["validate", ...args, "-f", "json"]);
  const report = run.stdout ? JSON.parse(run.stdout) : { violations: [] };
  return {
    status: run.status,
    lines: report.violations.map((f: { rule: string; address: string }) => `${f.rule} ${f.address}`),
    stderr: run.stderr,
  };
}

const exact = [
  "DDB-EP-001 module.invalid_no_endpoint.aws_vpc.this[0]",
  'DDB-EP-002 module.invalid_open_endpoints.aws_vpc_endpoint.this["dynamodb"]',
];

describe("validate --source", () => {
  test("a plan file beside its .tf files uses them by default", () => {
    expect(findings([join(rootDir, "plan.json")])).toMatchObject({ status: 1, lines: exact });
  });

  test("a plan file away from its source: the plan alone (UNPROVABLE), then --source <dir> (exact)", () => {
    const alone = findings([planCopy]);
    expect(alone.lines.every((line) => /^DDB-EP-00[12]-UNPROVABLE /.test(line))).toBe(true);
    expect(alone.lines).toHaveLength(6);
    expect(findings([planCopy, "--source", rootDir])).toMatchObject({ status: 1, lines: exact });
  });

  test("a --source without Terraform files is a one-line error (exit 2)", () => {
    const run = runCli(["validate", planCopy, "--source", elsewhere]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("is not a directory with .tf or .tf.json files");
  });

  // The files of a directory go to the parser at once: the first, already sent, must not fail the run a
  // second time (an "internal error") after the second has stopped it.
  test("source over --max-bytes after a file that does not parse: one line, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-guardrails-source-"));
    cpSync(join(FIXTURES, "table-unencrypted", "plan.json"), join(dir, "plan.json"));
    writeFileSync(join(dir, "a.tf"), 'resource "aws_dynamodb_table" "t" {\n  name =\n');
    writeFileSync(join(dir, "b.tf"), `# ${"x".repeat(25_000)}\n`);
    const cache = mkdtempSync(join(tmpdir(), "ddb-guardrails-cache-")); // a cold cache: a.tf goes to the parser
    const run = runCli(["validate", join(dir, "plan.json"), "--max-bytes", "20000"], {
      env: { XDG_CACHE_HOME: cache },
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      `ddb-guardrails: error: ${dir}: the Terraform source could not be read (the Terraform source is larger than the limit (--max-bytes))`,
    ]);
  });
});
