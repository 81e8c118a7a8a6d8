// Monorepos: several plans in one run (arguments, globs, a directory of stacks), one combined report
// per format, exit 1 when any plan fails.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { displayInput, expandInputs, findProjects, WALK_LIMITS } from "../../src/cli/multi";
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

describe("every project under a folder (issue 22)", () => {
  const root = mkdtempSync(join(tmpdir(), "ddb-guardrails-find-"));
  const tf = (dir: string, text = "") => {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, "main.tf"), text);
  };
  tf("infra/teams/payments", 'module "naming" {\n  source = "../../shared/naming"\n}\n');
  tf("infra/app");
  mkdirSync(join(root, "infra/cdk"), { recursive: true });
  writeFileSync(join(root, "infra/cdk/cdktf.json"), "{}");
  tf("infra/shared/naming", 'module "deeper" { source = "./inner" }\n'); // a module, called by payments
  tf("infra/shared/naming/inner"); // a module of a module
  tf("infra/self", 'module "again" {\n  source = "./"\n}\n'); // calls itself: still a project
  // A file terraform ignores calls payments as a module: it must not hide payments from the search.
  writeFileSync(join(root, "infra/app/.decoy.tf"), 'module "hide" {\n  source = "../teams/payments"\n}\n');
  writeFileSync(join(root, "infra/app/main.tf~"), 'module "hide" {\n  source = "../teams/payments"\n}\n');
  tf("infra/.hidden/stack");
  tf("infra/app/.terraform/modules/x");
  tf("infra/node_modules/pkg");
  tf("infra/cdk/cdktf.out/stacks/a");
  symlinkSync(join(root, "infra"), join(root, "infra/teams/loop")); // not followed
  const infra = join(root, "infra");

  test("finds projects at any depth, skipping hidden, .terraform, node_modules, cdktf.out and called modules", () => {
    expect(findProjects(infra)).toEqual(["app", "cdk", "self", "teams/payments"].map((p) => join(infra, p)));
    expect(expandInputs([infra])).toEqual(findProjects(infra));
  });

  test("the walk is bounded: too deep or too many entries is an error, not a run that goes on", () => {
    const deep = join(root, "deep", ...Array.from({ length: WALK_LIMITS.depth + 2 }, (_, i) => `d${i}`));
    mkdirSync(deep, { recursive: true });
    expect(() => findProjects(join(root, "deep"))).toThrow(/folders nested deeper than \d+ levels/);
    const saved = WALK_LIMITS.entries;
    WALK_LIMITS.entries = 5;
    try {
      expect(() => findProjects(infra)).toThrow(/more than 5 entries under it; name the stacks to validate/);
    } finally {
      WALK_LIMITS.entries = saved;
    }
    expect(() => findProjects(infra, Date.now() - 1)).toThrow(/searching for projects took longer than --timeout/);
  });

  test("validate <folder> plans the nested insecure stack, names every project on stderr and in the report", () => {
    const repo = join(root, "repo");
    cpSync(join(FIXTURES, "table-cmk-same-plan"), join(repo, "infra/app"), {
      recursive: true,
      filter: (src) => !/plan\.json$/.test(src),
    });
    cpSync(join(FIXTURES, "table-unencrypted"), join(repo, "infra/teams/payments"), {
      recursive: true,
      filter: (src) => !/plan\.json$/.test(src),
    });
    for (const stack of ["infra/app", "infra/teams/payments"])
      cpSync(join(FIXTURES, "offline-provider.tf"), join(repo, stack, "offline-provider.tf"));
    const run = runCli(["validate", "infra", "--rules", "encryption", "-f", "text", "--compact"], { cwd: repo });
    expect(run.stderr).toMatch(/note: infra: found 2 projects: infra\/app, infra\/teams\/payments/);
    expect(run.stdout).toMatch(/^== infra\/teams\/payments\n/m);
    expect(run.stdout).toMatch(/^== infra\/app\n/m);
    expect(run.stdout).toMatch(/aws_dynamodb_table\.\w+\s+DDB-ENC-001/);
    expect(run.status).toBe(1);
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
    // --rules encryption,endpoint: the rules left out are one suite of skipped testcases, after the plans
    expect(junit.testsuites.testsuite.map((s: Record<string, string>) => s["@_name"])).toEqual([
      ...PLANS.map((p) => `${p}/plan.json`),
      expect.stringMatching(/^rules not evaluated \(\d+ of \d+ rules; only encryption, endpoint ran\)$/),
    ]);
    expect(Number(junit.testsuites.testsuite[0]["@_failures"])).toBe(0);
    expect(Number(junit.testsuites.testsuite[1]["@_failures"])).toBeGreaterThan(0);
    const md = read(files.markdown);
    expect(md).toMatch(/^### ddb-guardrails: ❌ FAIL 2 of 3 plans/);
    expect(md).toContain("| `table-cmk-same-plan/plan.json` | ✅ passed | 0 | 0 |");
    const gitlab = JSON.parse(read(files.gitlab));
    const json = JSON.parse(read(files.json));
    expect(gitlab).toHaveLength(json.summary.violations + 1); // and one info issue: a partial rule set
    expect(gitlab.filter((i: { severity: string }) => i.severity === "info")).toHaveLength(1);
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
    // Copies without their Terraform source, whose reading is under --timeout too: the evaluation times out.
    const bare = PLANS.map((name) => {
      const copy = join(work, `${name}.json`);
      writeFileSync(copy, readFileSync(fixturePlan(name)));
      return copy;
    });
    const run = runCli(["validate", large, ...bare, "--timeout", "0.2", "--jobs", "4", "-f", "json", "-o", out]);
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
