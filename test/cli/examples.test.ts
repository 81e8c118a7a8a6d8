// The examples in examples/ and the pre-commit hook do what they say: each is parsed and the command
// it contains is run, as written, on a fixture with this checkout's build as `ddb-guardrails`.
// examples/cdktf-app is installed for real by quick-start.test.ts.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CLI, fixturePlan, ROOT } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-examples-"));

/** A PATH with `ddb-guardrails` meaning this checkout's built CLI, as an installed copy would. */
function pathWithCli(): string {
  const bin = join(work, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "ddb-guardrails"),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
  );
  chmodSync(join(bin, "ddb-guardrails"), 0o755);
  return `${bin}:${process.env.PATH}`;
}

function shell(command: string, cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync("sh", ["-c", command], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, PATH: pathWithCli(), ...env },
  });
}

describe("examples/gitlab-ci.yml", () => {
  const ci = parse(readFileSync(join(ROOT, "examples", "gitlab-ci.yml"), "utf8"));

  test("the guardrails job validates the plan job's plan.json and writes the Code Quality report it declares", () => {
    expect(ci.plan.artifacts.paths).toContain("plan.json");
    const job = ci["ddb-guardrails"];
    expect(job.stage).toBe("guardrails");
    const dir = join(work, "gitlab");
    mkdirSync(dir);
    cpSync(fixturePlan("table-unencrypted"), join(dir, "plan.json"));
    mkdirSync(join(dir, "infra"));
    cpSync(join(ROOT, "test", "fixtures", "table-unencrypted", "main.tf"), join(dir, "infra", "main.tf"));
    const run = shell(job.script.join("\n"), dir);
    expect(run.status).toBe(1); // the job fails on findings
    expect(run.stdout).toMatch(/DDB-ENC-001/);
    const issues = JSON.parse(readFileSync(join(dir, job.artifacts.reports.codequality), "utf8"));
    expect(issues[0]).toMatchObject({
      check_name: "DDB-ENC-001",
      severity: "major",
      location: { path: "infra/main.tf", lines: { begin: 2 } },
    });
    expect(readFileSync(join(dir, job.artifacts.paths[0]), "utf8")).toMatch(/^### ddb-guardrails: ❌ failed/);
  });
});

describe("examples/atlantis.yaml", () => {
  const config = parse(readFileSync(join(ROOT, "examples", "atlantis.yaml"), "utf8"));

  test("the custom workflow validates $PLANFILE after init and plan; findings fail the step", () => {
    expect(config.version).toBe(3);
    expect(config.projects[0].workflow).toBe("ddb-guardrails");
    const steps = config.workflows["ddb-guardrails"].plan.steps;
    expect(steps.slice(0, 2)).toEqual(["init", "plan"]);
    const command: string = steps[2].run;
    expect(command).toContain("$PLANFILE");
    expect(shell(command, work, { PLANFILE: fixturePlan("table-unencrypted") }).status).toBe(1);
    const passing = shell(command, work, { PLANFILE: fixturePlan("table-cmk-same-plan") });
    expect(passing.stdout).toMatch(/^PASS 0 violations/m);
    expect(passing.status).toBe(0);
  });
});

describe(".pre-commit-hooks.yaml", () => {
  const [hook] = parse(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8"));

  test("the hook picks plan JSON files and runs its entry on them as pre-commit does (all files at once)", () => {
    const files = new RegExp(hook.files);
    expect(["plan.json", "infra/plan.json", "stacks/api/tfplan.json"].every((f) => files.test(f))).toBe(true);
    expect(["package.json", "infra/main.tf", "plan.json.bak"].some((f) => files.test(f))).toBe(false);
    expect(hook.pass_filenames).toBe(true);
    const quoted = [fixturePlan("table-cmk-same-plan"), fixturePlan("table-unencrypted")]
      .map((f) => `'${f}'`)
      .join(" ");
    const run = shell(`${hook.entry} ${quoted}`, work);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^FAIL 1 of 2 plans/m);
    expect(shell(`${hook.entry} '${fixturePlan("table-cmk-same-plan")}'`, work).status).toBe(0);
  });
});
