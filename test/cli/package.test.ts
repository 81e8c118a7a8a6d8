// The package as a user gets it, starting from a fresh clone of the committed HEAD (no dist/): `npm pack`
// (prepare builds dist/), installed into an empty folder without dev dependencies, and installed
// globally (the README's install routes: the release tarball, and the clone itself), run with no OPA,
// Go or repository tools on PATH. The clone borrows this checkout's node_modules in place of `npm ci`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT, fixturePlan } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-package-"));
const consumer = join(work, "consumer");
const clone = join(work, "clone");
const quiet = { stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
const npmInstall = ["--prefer-offline", "--no-audit", "--no-fund"];
// node only: no opa, no go, no terraform, none of the repository's node_modules/.bin
const bareEnv = { PATH: dirname(process.execPath), HOME: process.env.HOME ?? work };
let tarball: string;
let files: string[];

beforeAll(() => {
  execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${ROOT}`, clone], quiet);
  if (existsSync(join(clone, "dist"))) throw new Error("a fresh clone must not have dist/");
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: clone, encoding: "utf8", ...quiet }),
  );
  tarball = join(work, packed[0].filename);
  files = packed[0].files.map((f: { path: string }) => f.path);
  execFileSync("mkdir", ["-p", consumer]);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  execFileSync("npm", ["install", "--omit=dev", ...npmInstall, "--ignore-scripts", tarball], {
    cwd: consumer,
    ...quiet,
  });
}, 300_000);

/** `npm install -g <what>` into a fresh prefix; returns the installed bin. */
function installGlobally(what: string, name: string): string {
  const prefix = join(work, name);
  execFileSync("npm", ["install", "--global", "--prefix", prefix, ...npmInstall, what], { cwd: work, ...quiet });
  return join(prefix, "bin", "ddb-guardrails");
}

function expectValidates(bin: string): void {
  const run = spawnSync(bin, ["validate", fixturePlan("table-unencrypted"), "--compact"], {
    cwd: work,
    encoding: "utf8",
    env: bareEnv,
  });
  expect(run.stderr).toBe("");
  expect(run.stdout).toMatch(/^HIGH +aws_dynamodb_table\.invalid_aws_owned_key +DDB-ENC-001 /m);
  expect(run.status).toBe(1);
}

describe("install routes from a fresh clone (README)", () => {
  test("release tarball: npm pack, then npm install -g ./ddb-guardrails-<version>.tgz", () => {
    expectValidates(installGlobally(tarball, "global-tarball"));
  }, 300_000);

  test("the clone itself: npm ci (prepare builds dist/), then npm install -g .", () => {
    expectValidates(installGlobally(clone, "global-clone"));
  }, 300_000);
});

describe("the npm package", () => {
  test("ships the CLI, the engine with its typings, the constructs and the compiled policies; no tests or sources", () => {
    // dist/ was built by prepare: the clone had none
    for (const file of [
      "dist/src/cli/main.js",
      "dist/src/engine/index.js",
      "dist/src/engine/index.d.ts",
      `dist/src/engine/source/hcl2json-${JSON.parse(readFileSync(join(ROOT, "node_modules/@cdktn/hcl2json/package.json"), "utf8")).version}.wasm`,
      "bundle/policy.wasm",
      "bundle/rules.json",
      "bundle/data.json",
      "package.json",
      "LICENSE",
    ]) {
      expect(files).toContain(file);
    }
    expect(
      files.filter(
        (f) => f.startsWith("test/") || f.startsWith("policies/") || /\.ts$/.test(f.replace(/\.d\.ts$/, "")),
      ),
    ).toEqual([]);
  });

  test("the installed bin validates a plan with nothing but node on PATH", () => {
    const bin = join(consumer, "node_modules", ".bin", "ddb-guardrails");
    const run = spawnSync(bin, ["validate", fixturePlan("table-unencrypted"), "--format", "json"], {
      cwd: consumer,
      encoding: "utf8",
      env: bareEnv,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.violations.map((v: { rule: string }) => v.rule)).toContain("DDB-ENC-001");
    expect(report.tool.version).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });

  test("the engine is importable from JavaScript as ddb-guardrails/engine", () => {
    const script = `const { validatePlan, readPlan } = require("ddb-guardrails/engine");
      process.stdout.write(JSON.stringify(validatePlan(readPlan(${JSON.stringify(fixturePlan("table-cmk-same-plan"))})).summary));`;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: consumer, encoding: "utf8", env: bareEnv });
    expect(JSON.parse(out)).toMatchObject({ violations: 0, passed: true });
  });

  test("the engine and the constructs type-check from TypeScript (node16 and classic module resolution)", () => {
    writeFileSync(
      join(consumer, "use.ts"),
      `import { validatePlan, type Report } from "ddb-guardrails/engine";
import { SecureTable } from "ddb-guardrails";
const check: (plan: Parameters<typeof validatePlan>[0]) => Report = (plan) => validatePlan(plan, { failOn: "high" });
export { check, SecureTable };
`,
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    for (const resolution of [
      ["--module", "node16", "--moduleResolution", "node16"],
      ["--module", "commonjs", "--moduleResolution", "node"],
    ]) {
      const run = spawnSync(
        process.execPath,
        [
          tsc,
          "--noEmit",
          "--strict",
          "--skipLibCheck",
          "--types",
          "node",
          "--typeRoots",
          join(ROOT, "node_modules", "@types"),
          ...resolution,
          "use.ts",
        ],
        {
          cwd: consumer,
          encoding: "utf8",
        },
      );
      expect(run.stdout + run.stderr).toBe("");
      expect(run.status).toBe(0);
    }
  });
});
