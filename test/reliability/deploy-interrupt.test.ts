// `deploy` with a real terraform and real local state (terraform_data needs no provider, so apply runs
// offline): Ctrl-C / SIGTERM sent to the whole process group (as a terminal or CI runner does) during
// plan and during validation applies nothing, leaves the state and its lock intact, and a rerun succeeds.
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../helpers/paths";

const RESOURCES = 150; // enough for terraform plan to take a moment
const work = mkdtempSync(join(tmpdir(), "ddb-deploy-interrupt-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// terraform on PATH is the real one, except that with SIGNAL_AFTER_SHOW set, `terraform show` signals its
// whole process group right after writing the plan JSON: the signal reaches the gate exactly when it
// starts validating. (A signal cannot cut synchronous validation short in node; it is handled after it.)
const realTerraform = spawnSync("sh", ["-c", "command -v terraform"], {
  encoding: "utf8",
  env: process.env,
}).stdout.trim();
const bin = join(work, "bin");
mkdirSync(bin);
writeFileSync(
  join(bin, "terraform"),
  `#!/bin/sh
if [ "$1" = show ] && [ -n "$SIGNAL_AFTER_SHOW" ]; then
  ${JSON.stringify(realTerraform)} "$@" || exit $?
  trap '' INT TERM
  touch "$SIGNAL_MARKER"
  kill -s "$SIGNAL_AFTER_SHOW" -- -$(ps -o pgid= -p $$ | tr -d ' ')
  exit 0
fi
exec ${JSON.stringify(realTerraform)} "$@"
`,
);
chmodSync(join(bin, "terraform"), 0o755);

function project(name: string, slowApply = false): string {
  const dir = join(work, name);
  mkdirSync(dir);
  // With slowApply each resource takes a moment to create (terraform applies 10 at a time), so an
  // interruption lands in the middle of the apply.
  const provisioner = slowApply ? `\n  provisioner "local-exec" {\n    command = "sleep 0.3"\n  }` : "";
  writeFileSync(
    join(dir, "main.tf"),
    `resource "terraform_data" "item" {
  count = ${RESOURCES}
  input = "item-\${count.index}"${provisioner}
}
`,
  );
  // deploy refuses commands that run at apply (DDB-AUD-008) unless waived: these only sleep.
  if (slowApply) {
    writeFileSync(
      join(dir, ".ddb-guardrails.yml"),
      [
        "waivers:",
        "  - rule: DDB-AUD-008",
        "    address: terraform_data.item",
        "    reason: the provisioner only sleeps, to make the apply take a moment",
        "    expires: 2099-01-01",
      ].join("\n"),
    );
  }
  return dir;
}

/** Pids of running `terraform apply` processes started in dir. */
function appliesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").includes("terraform apply")) continue;
      if (readlinkSync(`/proc/${pid}/cwd`) === dir) pids.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Runs deploy and sends `signal` to the gate alone (not its group) once terraform apply has run for a moment. */
async function signalDuringApply(dir: string, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [CLI, "deploy", "--app-dir", dir, "--auto-approve"], {
    cwd: dir,
    env: { ...process.env, TMPDIR: work },
  });
  let stderr = "";
  child.stderr.on("data", (b) => (stderr += b));
  child.stdout.resume();
  const closed = new Promise<number | null>((resolve) =>
    child.on("close", (code, sig) => resolve(code ?? (sig ? -1 : null))),
  );
  let applying: number[] = [];
  for (let i = 0; i < 3000 && child.exitCode === null && applying.length === 0; i++) {
    applying = appliesIn(dir);
    await sleep(20);
  }
  expect(applying).toHaveLength(1);
  await sleep(1000);
  child.kill(signal);
  const status = await closed;
  // terraform is left to finish on its own: wait for it as an operator would.
  for (let i = 0; i < 3000 && appliesIn(dir).length > 0; i++) await sleep(50);
  expect(appliesIn(dir)).toEqual([]);
  return { status, stderr };
}

/** Processes of a process group, by command line. */
function group(pgid: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      out.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs deploy in its own process group and sends `signal` to the group once `when` holds. */
async function interruptedDeploy(
  dir: string,
  signal: NodeJS.Signals,
  when: (seen: Set<string>) => boolean,
  env: NodeJS.ProcessEnv = {},
) {
  const child = spawn(process.execPath, [CLI, "deploy", "--app-dir", dir, "--auto-approve"], {
    cwd: dir,
    detached: true,
    env: { ...process.env, TMPDIR: work, ...env },
  });
  let stderr = "";
  child.stderr.on("data", (b) => (stderr += b));
  child.stdout.resume();
  const closed = new Promise<number | null>((resolve) =>
    child.on("close", (code, sig) => resolve(code ?? (sig ? -1 : null))),
  );
  const seen = new Set<string>();
  let sent = false;
  for (let i = 0; i < 1200 && child.exitCode === null; i++) {
    const now = group(child.pid!);
    for (const cmd of now)
      for (const step of ["init", "plan", "show", "apply"]) if (cmd.includes(`terraform ${step}`)) seen.add(step);
    if (when(seen)) {
      process.kill(-child.pid!, signal);
      sent = true;
      break;
    }
    await sleep(20);
  }
  const status = await closed;
  return { status, stderr, sent, seen };
}

/** The state is whole (valid JSON, readable by terraform without waiting for a lock) and holds `count` resources. */
function expectStateIntact(dir: string, count: number): void {
  expect(existsSync(join(dir, ".terraform.tfstate.lock.info"))).toBe(false);
  const state = join(dir, "terraform.tfstate");
  if (existsSync(state)) expect(() => JSON.parse(readFileSync(state, "utf8"))).not.toThrow();
  const list = spawnSync("terraform", ["state", "list", "-no-color"], { cwd: dir, encoding: "utf8", env: process.env });
  if (count === 0 && !existsSync(state)) {
    expect(list.stdout.trim()).toBe("");
  } else {
    expect(list.stderr).toBe("");
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split("\n").filter(Boolean)).toHaveLength(count);
  }
}

function rerun(dir: string) {
  const run = spawnSync(process.execPath, [CLI, "deploy", "--app-dir", dir, "--auto-approve"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TMPDIR: work },
  });
  expect({ status: run.status, error: run.stderr.split("\n").filter((l) => /error/i.test(l)) }).toEqual({
    status: 0,
    error: [],
  });
  return run;
}

describe("deploy interrupted with the whole process group signalled", () => {
  test.each(["SIGINT", "SIGTERM"] as const)(
    "%s during terraform plan: exit 2, nothing applied, state and lock intact, a rerun applies",
    async (signal) => {
      const dir = project(`plan-${signal}`);
      const run = await interruptedDeploy(dir, signal, (seen) => seen.has("plan"));
      expect(run.sent).toBe(true);
      expect(run.seen.has("apply")).toBe(false);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/interrupted/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expectStateIntact(dir, 0);
      rerun(dir);
      expectStateIntact(dir, RESOURCES);
      expect(readdirSync(work).filter((n) => n.startsWith("ddb-guardrails-deploy-"))).toEqual([]);
    },
  );

  test.each(["SIGINT", "SIGTERM"] as const)(
    "%s once the saved plan was read (validation): exit 2, nothing applied, a rerun applies",
    async (signal) => {
      const dir = project(`validate-${signal}`);
      const marker = join(work, `signalled-${signal}`);
      const run = await interruptedDeploy(dir, signal, () => false, {
        PATH: `${bin}:${process.env.PATH}`,
        SIGNAL_AFTER_SHOW: signal.slice(3),
        SIGNAL_MARKER: marker,
      });
      expect(existsSync(marker)).toBe(true);
      expect(run.seen.has("apply")).toBe(false);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/interrupted/);
      expectStateIntact(dir, 0);
      rerun(dir);
      expectStateIntact(dir, RESOURCES);
    },
  );

  test("after a completed deploy, an interrupted redeploy keeps the existing state", async () => {
    const dir = project("redeploy");
    rerun(dir);
    writeFileSync(join(dir, "main.tf"), readFileSync(join(dir, "main.tf"), "utf8").replace('"item-', '"changed-'));
    const run = await interruptedDeploy(dir, "SIGINT", (seen) => seen.has("plan"));
    expect(run.status).toBe(2);
    expectStateIntact(dir, RESOURCES);
    const state = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    expect(JSON.stringify(state)).toMatch(/"item-0"/); // the old values: nothing of the new plan was applied
    rerun(dir);
    expect(readFileSync(join(dir, "terraform.tfstate"), "utf8")).toMatch(/"changed-0"/);
  });
});

describe("deploy signalled during terraform apply", () => {
  test("SIGKILL of the gate: terraform finishes the apply, writes the whole state and releases the lock", async () => {
    const dir = project("apply-SIGKILL", true);
    const run = await signalDuringApply(dir, "SIGKILL");
    expect(run.status).toBe(-1);
    expectStateIntact(dir, RESOURCES);
  });

  test("SIGTERM to the gate: passed on to terraform, which stops cleanly; the gate reports what terraform did (exit 2)", async () => {
    const dir = project("apply-SIGTERM", true);
    const run = await signalDuringApply(dir, "SIGTERM");
    expect(run.stderr).not.toMatch(/Apply complete![\s\S]*nothing was applied/);
    expect(run.stderr).toMatch(
      /terraform apply in .*: interrupted \(SIGTERM\); terraform stopped the apply: .*; the state keeps what terraform had done/,
    );
    expect(run.stderr).not.toMatch(/Apply complete!/);
    expect(run.status).toBe(2);
    const state = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    const applied = (state.resources?.[0]?.instances ?? []).length;
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(RESOURCES);
    expectStateIntact(dir, applied);
    rerun(dir);
    expectStateIntact(dir, RESOURCES);
  });
});
