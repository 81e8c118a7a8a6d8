// The shared Rego test helper (policies/lib/testing/fixtures_test.rego) makes a misspelled fixture or rule name
// fail the test, also where a test reads the plan inside a comprehension or expects no findings. Proven by
// running opa test on probe tests that would pass if a missing fixture read as an empty plan, or a missing rule
// as no findings.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES, ROOT } from "../helpers/paths";

const OPA = join(ROOT, ".tools", "bin", "opa");
let work: string;

function opaTest(body: string): { status: number | null; output: string } {
  const probe = join(work, "probe_test.rego");
  writeFileSync(
    probe,
    `package probe_test

import rego.v1

import data.ddb_guardrails.lib.fixtures_test as fixtures
import data.ddb_guardrails.rules.fgac.scan

${body}
`,
  );
  const run = spawnSync(OPA, ["test", join(ROOT, "policies"), join(work, "data"), probe, "--run", "probe_test"], {
    encoding: "utf8",
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "rego-helper-"));
  mkdirSync(join(work, "data", "fixtures", "fgac-scan-admin"), { recursive: true });
  copyFileSync(
    join(FIXTURES, "fgac-scan-admin", "plan.json"),
    join(work, "data", "fixtures", "fgac-scan-admin", "data.json"),
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("shared Rego fixture helper", () => {
  test("a real fixture name reads its findings", () => {
    const run = opaTest(`test_probe if count(fixtures.findings_for("fgac/scan", "fgac-scan-admin")) > 0`);
    expect(run.output).toMatch(/PASS: 1\/1/);
    expect(run.status).toBe(0);
  });

  test.each([
    ["a 'no findings' assertion", `test_probe if fixtures.findings_for("fgac/scan", "fgac-scan-admni") == set()`],
    [
      "a negative membership check",
      `test_probe if not ["aws_iam_policy.valid_query_only", "DDB-FGAC-002"] in fixtures.findings_for("fgac/scan", "fgac-scan-admni")`,
    ],
    [
      "a plan read inside a comprehension",
      `test_probe if count({f | some f in scan.violation with input as fixtures.plan("fgac-scan-admni")}) == 0`,
    ],
  ])("a misspelled fixture name fails %s", (_what, body) => {
    const run = opaTest(body);
    expect(run.status).not.toBe(0);
    expect(run.output).not.toMatch(/PASS: 1\/1/);
  });

  test.each([
    ["a 'no findings' assertion", `test_probe if fixtures.findings_for("fgac/scna", "fgac-scan-admin") == set()`],
    [
      "an absent finding",
      `test_probe if not fixtures.finding_on("fgac/scna", "fgac-scan-admin", "aws_iam_policy.invalid_explicit_scan")`,
    ],
    ["a rule without its guardrail", `test_probe if not fixtures.finding_on("scan", "fgac-scan-admin", "x")`],
  ])("a misspelled rule name fails %s", (_what, body) => {
    const run = opaTest(body);
    expect(run.status).not.toBe(0);
    expect(run.output).not.toMatch(/PASS: 1\/1/);
  });
});
