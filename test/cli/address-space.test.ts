// Under a limit on virtual address space (`ulimit -v`, as some CI containers set), V8 cannot reserve the
// ~10 GiB each WebAssembly memory takes: the gate says so in one line and exits 2, for the policy
// engine and for the HCL parser alike.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, fixturePlan } from "../helpers/paths";

const LIMIT_KIB = 4 * 1024 * 1024; // 4 GiB: plenty for Node itself, not for a wasm memory reservation

function validateUnderLimit(plan: string) {
  return spawnSync(
    "sh",
    ["-c", `ulimit -v ${LIMIT_KIB} && exec "$0" "$1" validate "$2"`, process.execPath, CLI, plan],
    {
      encoding: "utf8",
    },
  );
}

const expected =
  /^ddb-guardrails: error: (policy evaluation failed: )?cannot reserve address space for WebAssembly: each instance reserves about 10 GiB of virtual memory, more than this process may use \(`ulimit -v`\); remove the limit/;

test.each([
  [
    "a plan file alone (the policy engine)",
    () => {
      const alone = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-ulimit-")), "plan.json");
      copyFileSync(fixturePlan("table-unencrypted"), alone);
      return alone;
    },
  ],
  ["a plan beside its .tf files (the HCL parser first)", () => fixturePlan("table-unencrypted")],
])("%s under ulimit -v: one line naming the limit, exit 2", (_name, plan) => {
  const run = validateUnderLimit(plan());
  expect(run.stdout).toBe("");
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).toMatch(expected);
  expect(run.status).toBe(2);
});
