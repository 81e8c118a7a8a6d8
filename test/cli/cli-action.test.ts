// The GitHub Action (action.yml) and the example workflows: well-formed, inputs wired, and the
// validate step's script run for real with bash (npx replaced by the built CLI at the process boundary).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CLI, ROOT, fixturePlan } from "../helpers/paths";

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
  const bin = join(work, "bin");
  mkdirSync(bin);
  // npx --yes ddb-guardrails@<version> <args>  ->  the built CLI with <args>; the version is logged.
  writeFileSync(
    join(bin, "npx"),
    `#!/bin/sh\necho "$2" > "${join(work, "npx-package")}"\nshift 2\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
  );
  chmodSync(join(bin, "npx"), 0o755);

  function runStep(plan: string, extra: Record<string, string> = {}) {
    const out = mkdtempSync(join(work, "run-"));
    const files = { GITHUB_OUTPUT: join(out, "output"), GITHUB_STEP_SUMMARY: join(out, "summary") };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PATH: `${bin}:${process.env.PATH}`,
      ...files,
      DDB_PLAN: plan,
      DDB_STACK: "",
      DDB_SOURCE_DIR: "",
      DDB_CONFIG: "",
      DDB_FAIL_ON: "low",
      DDB_RULES: "",
      DDB_SKIP_RULES: "",
      DDB_VERSION: "",
      DDB_ACTION_PATH: ROOT,
      DDB_REPORTS: join(out, "reports"),
      ...extra,
    };
    const run = spawnSync("bash", ["-e", "-c", validateStep.run!], { encoding: "utf8", env, cwd: ROOT });
    const outputs = Object.fromEntries(
      readFileSync(files.GITHUB_OUTPUT, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    return { ...run, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8") };
  }

  test("the validate step writes SARIF and the Markdown summary, and leaves failing to the last step", () => {
    const run = runStep(fixturePlan("table-unencrypted"));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.outputs["exit-code"]).toBe("1");
    expect(JSON.parse(readFileSync(run.outputs["sarif-file"], "utf8")).version).toBe("2.1.0");
    expect(run.summary).toMatch(/^### ddb-guardrails: ❌ failed/);
    expect(run.stdout).toMatch(/DDB-ENC-001/); // the text report in the log
    expect(readFileSync(join(work, "npx-package"), "utf8").trim()).toBe(
      `ddb-guardrails@${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}`,
    );
  });

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
