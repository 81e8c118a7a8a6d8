// `npm run main` on a fresh clone of the committed HEAD (no dist/, no cdktf.out/): the build it runs
// must carry everything main.ts reads. The clone borrows this checkout's node_modules in place of `npm ci`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/paths";

test("npm run main on a fresh clone synthesizes, plans offline and passes the gate", () => {
  const clone = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-main-")), "clone");
  execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${ROOT}`, clone], { stdio: "ignore" });
  expect(existsSync(join(clone, "dist"))).toBe(false);
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
  const run = spawnSync("npm", ["run", "--silent", "main"], { cwd: clone, encoding: "utf8" });
  expect(run.stderr).not.toMatch(/ENOENT|Error:/);
  expect(run.stdout).toMatch(/^PASS 0 violations in \d+ resources/m);
  expect(run.status).toBe(0);
}, 300_000);
