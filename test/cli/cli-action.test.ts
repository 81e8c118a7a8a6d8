// The GitHub Action (action.yml) and the example workflows: well-formed, inputs wired, and the
// validate step's script run for real with bash on a fresh clone of the action, as a runner checks it out.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT, fixturePlan } from "../helpers/paths";

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
  inputs: Record<string, unknown>;
  runs: { using: string; steps: Step[] };
};
const validateStep = action.runs.steps.find((s) => s.id === "validate")!;

describe("action.yml", () => {
  test("is a composite action whose expressions name only declared inputs, and whose scripts splice in no expression", () => {
    expect(action.runs.using).toBe("composite");
    const text = readFileSync(join(ROOT, "action.yml"), "utf8");
    const used = [...text.matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]);
    for (const name of used) expect(Object.keys(action.inputs)).toContain(name);
    for (const step of action.runs.steps.filter((s) => s.run)) expect(step.run).not.toMatch(/\$\{\{/);
    expect(action.runs.steps.map((s) => s.uses).filter(Boolean)).toEqual([
      "actions/setup-node@v4",
      "github/codeql-action/upload-sarif@v3",
    ]);
  });

  const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-action-"));
  // The action's own checkout as a runner has it: a fresh clone of the committed HEAD, no dist/. It
  // borrows this checkout's node_modules in place of the step's `npm ci` (minutes on 2 cores), so the
  // step builds and runs the CLI from the clone.
  const checkout = join(work, "action");
  beforeAll(() => {
    execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${ROOT}`, checkout], { stdio: "ignore" });
    symlinkSync(join(ROOT, "node_modules"), join(checkout, "node_modules"));
  }, 120_000);

  function runStep(plan: string, extra: Record<string, string> = {}) {
    const out = mkdtempSync(join(work, "run-"));
    const files = { GITHUB_OUTPUT: join(out, "output"), GITHUB_STEP_SUMMARY: join(out, "summary") };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...files,
      DDB_PLAN: plan,
      DDB_STACK: "",
      DDB_SOURCE_DIR: "",
      DDB_CONFIG: "",
      DDB_FAIL_ON: "low",
      DDB_RULES: "",
      DDB_SKIP_RULES: "",
      DDB_ACTION_PATH: checkout,
      DDB_REPORTS: join(out, "reports"),
      ...extra,
    };
    // as GitHub runs a composite step's bash
    const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", validateStep.run!], {
      encoding: "utf8",
      env,
      cwd: work,
    });
    const outputs = Object.fromEntries(
      readFileSync(files.GITHUB_OUTPUT, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    return { ...run, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8") };
  }

  test("the first run builds the CLI in the action's checkout; it writes SARIF and the summary, and leaves failing to the last step", () => {
    expect(existsSync(join(checkout, "dist"))).toBe(false);
    const run = runStep(fixturePlan("table-unencrypted"));
    expect(run.stderr).toMatch(/^ddb-guardrails: installing from /);
    expect(run.status).toBe(0);
    expect(run.outputs["exit-code"]).toBe("1");
    expect(JSON.parse(readFileSync(run.outputs["sarif-file"], "utf8")).version).toBe("2.1.0");
    expect(run.summary).toMatch(/^### ddb-guardrails: ❌ failed/);
    expect(run.stdout).toMatch(/DDB-ENC-001/); // the text report in the log
    expect(runStep(fixturePlan("table-unencrypted")).stderr).toBe(""); // installed once
  }, 300_000);

  test("inputs become options: fail-on and skip-rules", () => {
    expect(runStep(fixturePlan("table-unencrypted"), { DDB_FAIL_ON: "critical" }).outputs["exit-code"]).toBe("0");
    expect(runStep(fixturePlan("table-unencrypted"), { DDB_SKIP_RULES: "encryption" }).outputs["exit-code"]).toBe("0");
  });

  test("a plan that cannot be validated fails the step at once (exit 2), with no report to upload", () => {
    const run = runStep(join(work, "missing.json"));
    expect(run.status).toBe(2);
    expect(run.outputs["sarif-file"]).toBeUndefined();
    expect(run.stderr).toMatch(/no such file or directory/);
  });

  test("an install that fails is an error of its own (exit 2), never findings", () => {
    const broken = join(work, "no-lock-file");
    mkdirSync(broken);
    writeFileSync(join(broken, "package.json"), JSON.stringify({ name: "ddb-guardrails", version: "0.0.0" }));
    const run = runStep(fixturePlan("table-unencrypted"), { DDB_ACTION_PATH: broken });
    expect(run.status).toBe(2);
    expect(run.outputs).toEqual({ "exit-code": "2" });
    expect(run.stdout).toMatch(
      /^::error title=ddb-guardrails::could not install ddb-guardrails in .*nothing was validated$/m,
    );
    expect(run.stdout).not.toMatch(/findings at or above/);
  }, 120_000);

  test("a CLI that exits 1 without writing its reports did not validate: exit 2, not findings", () => {
    const crashing = join(work, "crashing");
    mkdirSync(join(crashing, "dist", "src", "cli"), { recursive: true });
    writeFileSync(join(crashing, "dist", "src", "cli", "main.js"), 'throw new Error("cannot load");\n');
    const run = runStep(fixturePlan("table-unencrypted"), { DDB_ACTION_PATH: crashing });
    expect(run.status).toBe(2);
    expect(run.outputs["exit-code"]).toBe("2");
    expect(run.stdout).toMatch(/^::error title=ddb-guardrails::ddb-guardrails exited 1 without writing its reports/m);
  });
});

describe("example workflows", () => {
  test.each(["terraform-workflow.yml", "cdktf-workflow.yml"])(
    "%s uses the action with declared inputs only",
    (file) => {
      const workflow = parse(readFileSync(join(ROOT, "examples", file), "utf8")) as {
        permissions: Record<string, string>;
        jobs: Record<string, { steps: Step[] }>;
      };
      expect(workflow.permissions["security-events"]).toBe("write");
      const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
      const ours = steps.filter((s) => s.uses?.includes("/ddb-guardrails@"));
      expect(ours).toHaveLength(1);
      for (const input of Object.keys(ours[0].with ?? {})) expect(Object.keys(action.inputs)).toContain(input);
    },
  );
});
