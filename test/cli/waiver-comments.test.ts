// Waivers written as comments on resource blocks in the Terraform source beside the plan: each waives
// its rule on every instance of its resource, shows where it is written, and a waiver that cannot be
// read stops the run with one line naming its file and line.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding, Report } from "../../src/engine";
import { FIXTURES, fixturePlan, runCli } from "../helpers/paths";

const FIXTURE = "waiver-comments";
const pitr = (report: Report) =>
  report.violations.filter((f) => f.rule === "DDB-REC-001").map((f: Finding) => [f.address, f.waived ?? null]);

test("a comment waives its rule on every instance of its resource, in modules too, and says where it is written", () => {
  const run = runCli(["validate", fixturePlan(FIXTURE), "--rules", "recovery", "-f", "json"]);
  expect(run.stderr).not.toMatch(/error/);
  expect(run.status).toBe(1);
  const report = JSON.parse(run.stdout) as Report;
  const root = {
    reason: "scratch tables rebuilt nightly from the source of truth",
    expires: "2099-12-31",
    by: "test/fixtures/waiver-comments/main.tf:10",
  };
  const module = {
    reason: "rebuilt from the source of truth",
    expires: "2099-12-31",
    by: "test/fixtures/waiver-comments/modules/scratch/main.tf:10",
  };
  expect(pitr(report)).toEqual([
    ["aws_dynamodb_table.invalid_unwaived", null],
    ["aws_dynamodb_table.invalid_waiver_expired", null],
    ["aws_dynamodb_table.invalid_waiver_of_another_rule", null],
    ["aws_dynamodb_table.waived_pitr[0]", root],
    ["aws_dynamodb_table.waived_pitr[1]", root],
    ['module.scratch["eu"].aws_dynamodb_table.this', module],
    ['module.scratch["us"].aws_dynamodb_table.this', module],
  ]);
  expect(report.summary).toMatchObject({ violations: 3, waived: 4, passed: false });
  expect(report.notes).toEqual([
    "waiver for DDB-REC-001 on aws_dynamodb_table.invalid_waiver_expired (test/fixtures/waiver-comments/main.tf:33) expired on 2020-01-31; aws_dynamodb_table.invalid_waiver_expired is reported again",
    "waiver for DDB-REC-002 on aws_dynamodb_table.invalid_waiver_of_another_rule (test/fixtures/waiver-comments/main.tf:55) matches no finding; it waives nothing",
  ]);
});

test("the text report shows the waiver's expiry, place and reason", () => {
  const run = runCli(["validate", fixturePlan(FIXTURE), "--rules", "DDB-REC-001", "--compact"]);
  expect(run.stdout).toContain(
    'module.scratch["us"].aws_dynamodb_table.this  DDB-REC-001  point-in-time recovery is off [test/fixtures/waiver-comments/modules/scratch/main.tf:10] (waived until 2099-12-31 at test/fixtures/waiver-comments/modules/scratch/main.tf:10: rebuilt from the source of truth)',
  );
});

test("without the source beside the plan, the comments waive nothing", () => {
  const run = runCli(["validate", "-", "--rules", "recovery", "-f", "json"], {
    input: readFileSync(fixturePlan(FIXTURE)),
  });
  expect(run.status).toBe(1);
  expect(pitr(JSON.parse(run.stdout)).every(([, waived]) => waived === null)).toBe(true);
});

describe("a waiver comment that cannot be read is an error naming its file and line", () => {
  const WAIVER =
    '# ddb-guardrails:waive DDB-REC-001 until=2099-12-31 reason="scratch tables rebuilt nightly from the source of truth"';
  // The fixture with line 10 (the waiver above waived_pitr) rewritten: comments do not change the plan.
  const withWaiverLine = (line: string) => {
    const dir = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-waiver-comments-")), FIXTURE);
    cpSync(join(FIXTURES, FIXTURE), dir, { recursive: true });
    const lines = readFileSync(join(dir, "main.tf"), "utf8").split("\n");
    expect(lines[9]).toBe(WAIVER);
    lines[9] = line;
    writeFileSync(join(dir, "main.tf"), lines.join("\n"));
    return runCli(["validate", "plan.json"], { cwd: dir });
  };

  test.each([
    [
      "no reason",
      "# ddb-guardrails:waive DDB-REC-001 until=2099-12-31",
      /main\.tf:10: the waiver of DDB-REC-001 has no reason/,
    ],
    [
      "an empty reason",
      '# ddb-guardrails:waive DDB-REC-001 until=2099-12-31 reason=""',
      /main\.tf:10: the waiver of DDB-REC-001 has no reason/,
    ],
    [
      "no expiry",
      '# ddb-guardrails:waive DDB-REC-001 reason="why"',
      /main\.tf:10: the waiver of DDB-REC-001 has no expiry/,
    ],
    [
      "a malformed date",
      '# ddb-guardrails:waive DDB-REC-001 until=2027-02-30 reason="why"',
      /main\.tf:10: until=2027-02-30 .* is not a date/,
    ],
    [
      "an unknown rule id",
      '# ddb-guardrails:waive DDB-REC-01 until=2099-12-31 reason="why"',
      /main\.tf:10: the waiver names no rule "DDB-REC-01"/,
    ],
    ["no rule", '# ddb-guardrails:waive until=2099-12-31 reason="why"', /main\.tf:10: the waiver names no rule;/],
    [
      "an unknown field",
      '# ddb-guardrails:waive DDB-REC-001 until=2099-12-31 reason="why" scope=all',
      /main\.tf:10: cannot read "scope=all"/,
    ],
    [
      "a blank line before the resource",
      `${WAIVER}\n`,
      /main\.tf:10: a ddb-guardrails:waive comment must be on or directly above a resource block/,
    ],
  ])("%s", (_what, line, message) => {
    const run = withWaiverLine(line);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  test("a comment line that only mentions the marker is prose, not a waiver", () => {
    const run = withWaiverLine("# see docs/cli.md for ddb-guardrails:waive comments");
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(1);
  });
});
