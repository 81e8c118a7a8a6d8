// The examples in examples/ do what their READMEs say, run as written on this repository's build.
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runCli } from "./helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-examples-"));

/** A copy of an example folder whose node_modules holds this checkout's packages and ddb-guardrails itself. */
function installedCopy(example: string): string {
  const dir = join(work, example);
  cpSync(join(ROOT, "examples", example), dir, { recursive: true });
  mkdirSync(join(dir, "node_modules"));
  for (const name of readdirSync(join(ROOT, "node_modules"))) symlinkSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name));
  symlinkSync(ROOT, join(dir, "node_modules", "ddb-guardrails"));
  return dir;
}

describe("examples/cdktf-app", () => {
  test("synthesizes, plans offline and passes the gate with every guardrail on", () => {
    const app = installedCopy("cdktf-app");
    const run = runCli(["validate", ".", "-f", "json"], { cwd: app, env: { DDB_GUARDRAILS_OFFLINE: "1" } });
    expect(run.stderr).not.toMatch(/error/);
    const report = JSON.parse(run.stdout);
    expect(report.violations).toEqual([]);
    expect(report.summary).toMatchObject({ passed: true, violations: 0 });
    expect(report.summary.resources).toBeGreaterThan(20);
    expect(report.rules.length).toBeGreaterThan(20); // every rule ran
    expect(run.status).toBe(0);
  }, 600_000);
});
