// The quick start of examples/cdktf-app as a new user runs it: an empty folder, the example's files,
// the release tarball (`npm pack`), a real `npm install` from the npm registry (cdktf, constructs and
// the AWS provider bindings are ddb-guardrails' peer dependencies: the app installs them once), then
// `DDB_GUARDRAILS_OFFLINE=1 npx ddb-guardrails validate .` with no AWS credentials anywhere.
// About 3 minutes on 2 cores with a warm npm cache, most of it unpacking the 360 MB provider bindings.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-quick-start-"));
const app = join(work, "orders-app");
const quiet = { stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
/** A user's shell: no AWS variables, no repository tools; terraform finds the AWS provider through a mirror. */
const userEnv = () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("DDB_")) env[k] = v;
  return { ...env, TF_CLI_CONFIG_FILE: join(ROOT, "scripts", "terraform.rc") };
};

beforeAll(() => {
  // dist/ is built before the tests run (npm test); packing it as it is keeps the build out of the test.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
      ...quiet,
    }),
  );
  cpSync(join(ROOT, "examples", "cdktf-app"), app, { recursive: true });
  cpSync(join(work, packed[0].filename), join(app, packed[0].filename));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: app,
    env: userEnv(),
    ...quiet,
  });
}, 600_000);

// The app's node_modules is about 800 MB.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("examples/cdktf-app from an empty folder", () => {
  test("installs one copy of cdktf and constructs, shared by the app and ddb-guardrails", () => {
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "ddb-guardrails", "package.json"), "utf8"));
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@cdktf/provider-aws", "cdktf", "constructs"]);
    expect(manifest.dependencies).not.toHaveProperty("cdktf");
    for (const name of ["cdktf", "constructs", "@cdktf/provider-aws"]) {
      const copies = execFileSync("npm", ["ls", name, "--all", "--parseable"], { cwd: app, encoding: "utf8" })
        .trim()
        .split("\n");
      expect(new Set(copies)).toEqual(new Set([join(app, "node_modules", name)]));
    }
  });

  test("type-checks as the CommonJS project cdktf init makes, synth check included", () => {
    const run = spawnSync("npx", ["tsc", "--noEmit", "-p", "."], { cwd: app, encoding: "utf8", env: userEnv() });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  }, 120_000);

  test("DDB_GUARDRAILS_OFFLINE=1 npx ddb-guardrails validate . passes without AWS credentials", () => {
    const run = spawnSync("npx", ["ddb-guardrails", "validate", ".", "-f", "json"], {
      cwd: app,
      encoding: "utf8",
      env: { ...userEnv(), DDB_GUARDRAILS_OFFLINE: "1" },
    });
    expect(run.stderr).not.toMatch(/error/);
    const report = JSON.parse(run.stdout);
    expect(report.violations).toEqual([]);
    expect(report.summary).toMatchObject({ passed: true, violations: 0 });
    expect(report.summary.resources).toBeGreaterThan(20);
    expect(report.rules.length).toBeGreaterThan(20); // every rule ran
    expect(run.status).toBe(0);
  }, 300_000);
});
