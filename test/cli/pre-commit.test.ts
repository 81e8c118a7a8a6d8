// The pre-commit hook as a user sets it up: the CLI installed globally from the release tarball
// (README: Install), pre-commit itself (pinned, from PyPI when it is not on PATH), a project whose
// .pre-commit-config.yaml names this repository at the committed HEAD, `pre-commit install`, then
// `git commit` of a plan: refused on findings, accepted when the plan passes.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePlan, ROOT } from "../helpers/paths";

const PRE_COMMIT_VERSION = "4.7.0";
const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-pre-commit-"));
const project = join(work, "project");
const quiet = { stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
let env: NodeJS.ProcessEnv;

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

beforeAll(() => {
  const bins: string[] = [];
  // the CLI: npm pack (dist/ is built before the tests run), then the README's global install
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
      ...quiet,
    }),
  );
  const prefix = join(work, "global");
  execFileSync(
    "npm",
    [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      join(work, packed[0].filename),
    ],
    { cwd: work, ...quiet },
  );
  bins.push(join(prefix, "bin"));
  if (!onPath("pre-commit")) {
    execFileSync("python3", ["-m", "venv", join(work, "venv")], quiet);
    execFileSync(join(work, "venv", "bin", "pip"), ["install", "--quiet", `pre-commit==${PRE_COMMIT_VERSION}`], quiet);
    bins.push(join(work, "venv", "bin"));
  }
  env = {
    ...process.env,
    PATH: [...bins, process.env.PATH].join(":"),
    PRE_COMMIT_HOME: join(work, "pre-commit-home"),
    GIT_AUTHOR_NAME: "user",
    GIT_AUTHOR_EMAIL: "user@example.com",
    GIT_COMMITTER_NAME: "user",
    GIT_COMMITTER_EMAIL: "user@example.com",
  };
  const rev = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  mkdirSync(project);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: project, env, ...quiet });
  git("init", "--quiet");
  writeFileSync(
    join(project, ".pre-commit-config.yaml"),
    `repos:\n  - repo: file://${ROOT}\n    rev: ${rev}\n    hooks:\n      - id: ddb-guardrails\n`,
  );
  git("add", ".pre-commit-config.yaml");
  git("commit", "--quiet", "--no-verify", "-m", "pre-commit config");
  execFileSync("pre-commit", ["install"], { cwd: project, env, ...quiet });
}, 300_000);

function commitPlan(fixture: string) {
  mkdirSync(join(project, "infra"), { recursive: true });
  cpSync(fixturePlan(fixture), join(project, "infra", "plan.json"));
  execFileSync("git", ["add", "infra/plan.json"], { cwd: project, env });
  return spawnSync("git", ["commit", "-m", `plan of ${fixture}`], { cwd: project, env, encoding: "utf8" });
}

describe(".pre-commit-hooks.yaml with pre-commit itself", () => {
  test("a plan with findings is refused: the commit fails and the findings are shown", () => {
    const run = commitPlan("table-unencrypted");
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/ddb-guardrails\.+Failed/);
    expect(out).toMatch(/aws_dynamodb_table\.invalid_aws_owned_key +DDB-ENC-001/);
    expect(run.status).not.toBe(0);
  }, 120_000);

  test("a plan that passes is committed", () => {
    const run = commitPlan("table-cmk-same-plan");
    expect(run.stdout + run.stderr).toMatch(/ddb-guardrails\.+Passed/);
    expect(run.status).toBe(0);
  }, 120_000);
});
