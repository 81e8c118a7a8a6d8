// The CI examples in examples/ and the pre-commit hook do what they say: each is parsed and its steps
// are run as written, with ddb-guardrails installed the way the example says (the release tarball,
// `npm pack`, installed with `npm install -g`) and terraform planning a fixture's HCL offline.
// examples/cdktf-app is installed for real by quick-start.test.ts; the hook through pre-commit itself
// by pre-commit.test.ts.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { FIXTURES, fixturePlan, ROOT } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-examples-"));
const quiet = { stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
let tarball: string;
/** Where `npm install -g` puts ddb-guardrails for a job: an npm prefix of its own, its bin/ on PATH. */
const prefix = (name: string) => join(work, `${name}-global`);

beforeAll(() => {
  // dist/ is built before the tests run (npm test); packing it as it is keeps the build out of the test.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
      ...quiet,
    }),
  );
  tarball = join(work, packed[0].filename);
  // the Atlantis server and the pre-commit user installed the CLI beforehand (README: Install)
  execFileSync(
    "npm",
    ["install", "-g", "--prefix", prefix("server"), "--prefer-offline", "--no-audit", "--no-fund", tarball],
    quiet,
  );
}, 300_000);

function shell(command: string, cwd: string, env: NodeJS.ProcessEnv = {}, global = "server") {
  return spawnSync("sh", ["-e", "-c", command], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      npm_config_prefix: prefix(global),
      PATH: `${prefix(global)}/bin:${process.env.PATH}`,
      ...env,
    },
  });
}

/** A project folder holding a fixture's HCL (main.tf, monitoring.tf…), with the offline provider configuration beside it. */
function terraformProject(dir: string, fixture: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(join(FIXTURES, fixture)).filter((f) => f.endsWith(".tf")))
    cpSync(join(FIXTURES, fixture, file), join(dir, file));
  cpSync(join(FIXTURES, "offline-provider.tf"), join(dir, "offline-provider.tf"));
}

describe("examples/gitlab-ci.yml", () => {
  const ci = parse(readFileSync(join(ROOT, "examples", "gitlab-ci.yml"), "utf8"));

  test("the plan job's plan.json goes to the guardrails job, which installs the tarball and writes the reports it declares", () => {
    const dir = join(work, "gitlab");
    terraformProject(join(dir, "infra"), "table-unencrypted");
    const plan = shell(ci.plan.script.join("\n"), dir);
    expect(plan.stderr).toBe("");
    expect(plan.status).toBe(0);
    expect(ci.plan.artifacts.paths).toEqual(["plan.json"]);

    const job = ci["ddb-guardrails"];
    expect(job.stage).toBe("guardrails");
    // the tarball where before_script expects it
    const vendored = (job.before_script as string[]).join("\n").match(/\.\/(vendor\/[^\s]+\.tgz)/)![1];
    mkdirSync(join(dir, "vendor"));
    cpSync(tarball, join(dir, vendored));
    const run = shell([...job.before_script, ...job.script].join("\n"), dir, {}, "gitlab");
    expect(run.status).toBe(1); // the job fails on findings
    expect(run.stdout).toMatch(/DDB-ENC-001/);
    const issues = JSON.parse(readFileSync(join(dir, job.artifacts.reports.codequality), "utf8"));
    expect(issues[0]).toMatchObject({
      check_name: "DDB-ENC-001",
      severity: "major",
      location: { path: "infra/main.tf", lines: { begin: 2 } },
    });
    expect(readFileSync(join(dir, job.artifacts.paths[0]), "utf8")).toMatch(/^### ddb-guardrails: ❌ failed/);
  }, 300_000);
});

describe("examples/atlantis.yaml", () => {
  const config = parse(readFileSync(join(ROOT, "examples", "atlantis.yaml"), "utf8"));

  test("the custom workflow validates $PLANFILE after Atlantis' init and plan; findings fail the step", () => {
    expect(config.version).toBe(3);
    expect(config.projects[0].workflow).toBe("ddb-guardrails");
    const steps = config.workflows["ddb-guardrails"].plan.steps;
    expect(steps.slice(0, 2)).toEqual(["init", "plan"]);
    const command: string = steps[2].run;
    expect(command).toContain("$PLANFILE");
    // Atlantis' built-in steps: terraform init, then terraform plan -out $PLANFILE in the project folder
    const planned = (fixture: string) => {
      const dir = join(work, "atlantis", fixture, config.projects[0].dir);
      terraformProject(dir, fixture);
      const env = { PLANFILE: join(dir, "default.tfplan") };
      const tf = shell(
        'terraform init -input=false >/dev/null && terraform plan -input=false -refresh=false -out="$PLANFILE" >/dev/null',
        dir,
        env,
      );
      expect(tf.status).toBe(0);
      return shell(command, dir, env);
    };
    const failing = planned("table-unencrypted");
    expect(failing.stdout).toMatch(/DDB-ENC-001/);
    expect(failing.status).toBe(1);
    const passing = planned("table-cmk-same-plan");
    expect(passing.stdout).toMatch(/^PASS 0 violations/m);
    expect(passing.status).toBe(0);
  }, 300_000);
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
