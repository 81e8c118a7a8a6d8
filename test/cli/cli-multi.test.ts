// Monorepos: several plans in one run (arguments, globs, a directory of stacks), one combined report
// per format, exit 1 when any plan fails.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { displayInput, expandInputs } from "../../src/cli/multi";
import { FIXTURES, fixturePlan, runCli } from "../helpers/paths";
import "./formatters/sarif-matcher";

const PLANS = ["table-cmk-same-plan", "table-unencrypted", "endpoint-missing"];

describe("expandInputs", () => {
  const root = mkdtempSync(join(tmpdir(), "ddb-guardrails-multi-"));
  for (const stack of ["api", "billing"]) {
    mkdirSync(join(root, "stacks", stack), { recursive: true });
    writeFileSync(join(root, "stacks", stack, "main.tf"), "");
  }
  mkdirSync(join(root, "stacks", "docs"));
  mkdirSync(join(root, "plans"));
  for (const name of ["b.json", "a.json", "notes.txt"]) writeFileSync(join(root, "plans", name), "{}");

  test("a directory of stacks becomes its project folders, sorted; a project folder stays itself", () => {
    expect(expandInputs([join(root, "stacks")])).toEqual([
      join(root, "stacks", "api"),
      join(root, "stacks", "billing"),
    ]);
    expect(expandInputs([join(root, "stacks", "api")])).toEqual([join(root, "stacks", "api")]);
  });

  test("globs expand to what they match, sorted; arguments keep their order", () => {
    expect(expandInputs([join(root, "plans", "*.json")])).toEqual([
      join(root, "plans", "a.json"),
      join(root, "plans", "b.json"),
    ]);
    expect(expandInputs([join(root, "plans", "b.json"), join(root, "stacks", "*")])).toEqual([
      join(root, "plans", "b.json"),
      join(root, "stacks", "api"),
      join(root, "stacks", "billing"),
      join(root, "stacks", "docs"),
    ]);
  });

  test("a glob that matches nothing is an error, not an empty run", () => {
    expect(() => expandInputs([join(root, "plans", "*.yaml")])).toThrow(/matches no file or directory/);
  });
});

describe("validate with several plans", () => {
  const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-multi-out-"));
  const args = ["validate", ...PLANS.map(fixturePlan), "--rules", "encryption,endpoint"];
  const files = { json: "r.json", sarif: "r.sarif", junit: "r.xml", markdown: "r.md", gitlab: "r.gl.json" };
  const outputs = Object.entries(files).flatMap(([f, name]) => ["-f", f, "-o", join(work, name)]);
  const run = runCli([...args, ...outputs, "-f", "text", "--compact"], { cwd: FIXTURES });
  const read = (name: string) => readFileSync(join(work, name), "utf8");

  test("exit 1 when any plan fails; text has a section per plan and a combined verdict", () => {
    expect(run.status).toBe(1);
    for (const name of PLANS) expect(run.stdout).toContain(`== ${name}/plan.json\n`);
    expect(run.stdout.trim().split("\n").pop()).toMatch(/^FAIL 2 of 3 plans, \d+ violations in all$/);
  });

  test("JSON: a report per plan and a combined summary", () => {
    const report = JSON.parse(read(files.json));
    expect(report.plans.map((p: { input: string }) => p.input)).toEqual(PLANS.map((p) => `${p}/plan.json`));
    expect(report.summary).toMatchObject({ plans: 3, failedPlans: 2, passed: false });
    expect(report.summary.violations).toBe(
      report.plans.reduce((n: number, p: { summary: { violations: number } }) => n + p.summary.violations, 0),
    );
  });

  test("SARIF: one valid run per plan, told apart by automationDetails", () => {
    const log = JSON.parse(read(files.sarif));
    expect(log).toBeValidSarifLog();
    expect(log.runs.map((r: { automationDetails: { id: string } }) => r.automationDetails.id)).toEqual(
      PLANS.map((p) => `ddb-guardrails/${p}/plan.json/`),
    );
    expect(log.runs[1].results.map((r: { ruleId: string }) => r.ruleId)).toContain("DDB-ENC-001");
  });

  test("JUnit: one suite per plan; Markdown: a summary table; GitLab: every plan's issues", () => {
    const junit = new XMLParser({ ignoreAttributes: false, isArray: (t) => t === "testsuite" }).parse(
      read(files.junit),
    );
    expect(junit.testsuites.testsuite.map((s: Record<string, string>) => s["@_name"])).toEqual(
      PLANS.map((p) => `${p}/plan.json`),
    );
    expect(Number(junit.testsuites.testsuite[0]["@_failures"])).toBe(0);
    expect(Number(junit.testsuites.testsuite[1]["@_failures"])).toBeGreaterThan(0);
    const md = read(files.markdown);
    expect(md).toMatch(/^### ddb-guardrails: ❌ FAIL 2 of 3 plans/);
    expect(md).toContain("| `table-cmk-same-plan/plan.json` | ✅ passed | 0 | 0 |");
    const gitlab = JSON.parse(read(files.gitlab));
    const json = JSON.parse(read(files.json));
    expect(gitlab).toHaveLength(json.summary.violations);
  });

  test("GitLab: the same address in two stacks is two issues, told apart by the plan in their fingerprints", () => {
    const stacks = mkdtempSync(join(tmpdir(), "ddb-guardrails-multi-stacks-"));
    for (const stack of ["api", "billing"]) {
      mkdirSync(join(stacks, stack));
      writeFileSync(join(stacks, stack, "plan.json"), readFileSync(fixturePlan("table-unencrypted")));
    }
    const out = join(stacks, "gl.json");
    const gl = runCli(["validate", "api/plan.json", "billing/plan.json", "-f", "gitlab", "-o", out], { cwd: stacks });
    expect(gl.status).toBe(1);
    const issues: { fingerprint: string; description: string }[] = JSON.parse(readFileSync(out, "utf8"));
    const perStack = issues.length / 2;
    expect(perStack).toBeGreaterThan(0);
    expect(issues.slice(0, perStack).map((i) => i.description)).toEqual(
      issues.slice(perStack).map((i) => i.description),
    );
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
    // the same plan in a later run keeps its fingerprints, so GitLab can follow an issue across pipelines
    const again = runCli(["validate", "api/plan.json", "billing/plan.json", "-f", "gitlab"], { cwd: stacks });
    expect(JSON.parse(again.stdout).map((i: { fingerprint: string }) => i.fingerprint)).toEqual(
      issues.map((i) => i.fingerprint),
    );
  });

  test("one plan gives the single-plan report, unchanged", () => {
    const single = runCli(["validate", fixturePlan("table-unencrypted"), "-f", "json"]);
    expect(JSON.parse(single.stdout).plans).toBeUndefined();
  });
});

describe("several plans in worker threads (--jobs)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const generator = require("../../bench/generate-plan") as { generate(resources: number): string };
  const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-jobs-"));
  // Takes far longer to evaluate than the fixtures after it, so with several threads it finishes last.
  const large = join(work, "large.json");
  writeFileSync(large, generator.generate(3000));
  const inputs = [large, ...PLANS.map(fixturePlan)];
  const report = (jobs: string) => {
    const run = runCli(["validate", ...inputs, "-f", "json", "--jobs", jobs, "--quiet"]);
    expect(run.status).toBe(1);
    return JSON.parse(run.stdout);
  };

  test("reports keep the input order whichever plan finishes first, and are the same with --jobs 1", () => {
    const parallel = report("4");
    expect(parallel.plans.map((p: { input: string }) => p.input)).toEqual(inputs.map(displayInput));
    expect(parallel.plans[0].summary.resources).toBe(3000);
    expect(parallel).toEqual(report("1"));
  });

  test("a plan past --timeout fails the run: exit 2, one line naming it, no report written", () => {
    const out = join(work, "r.json");
    const run = runCli(["validate", ...inputs, "--timeout", "0.2", "--jobs", "4", "-f", "json", "-o", out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^ddb-guardrails: error: \S+large\.json: policy evaluation did not finish within 0\.2 s \(--timeout\)[^\n]*\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  test("--jobs must be a positive whole number", () => {
    const run = runCli(["validate", ...inputs, "--jobs", "0"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--jobs.*expected a positive whole number/);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});
