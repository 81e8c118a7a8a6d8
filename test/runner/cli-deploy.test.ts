// The deploy gate: synth -> plan -out -> validate that saved plan -> apply that saved plan only if it
// passed and did not change. Terraform is mocked only at the process boundary: a `terraform` script
// first on PATH logs every call, hands init/plan/show to the real terraform, and records `apply`
// (with the SHA-256 of the plan file it was given) instead of running it.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, FIXTURES, ROOT, runCli } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-deploy-"));
const realTerraform = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim();
const bin = join(work, "bin");
mkdirSync(bin);
writeFileSync(
  join(bin, "terraform"),
  `#!/bin/sh
echo "$1" >> "$FAKE_TF_LOG"
if [ "$1" = apply ]; then
  for last in "$@"; do :; done
  echo "applied $(sha256sum "$last" | cut -c1-64)" >> "$FAKE_TF_LOG"
  echo "Apply complete! Resources: 0 added (recorded by the test, not run)."
  exit 0
fi
if [ "$1" = plan ] && [ -n "$FAKE_TF_SLOW_PLAN" ]; then
  touch "$FAKE_TF_SLOW_PLAN"
  sleep 2
fi
if [ "$1" = show ] && [ -n "$FAKE_TF_KEEP" ]; then
  for last in "$@"; do :; done
  cp "$last" "$FAKE_TF_KEEP"
fi
if [ "$1" = show ] && [ -n "$FAKE_TF_SWAP" ]; then
  # A process of the same user swaps every saved plan it can find while show runs, then restores them.
  for last in "$@"; do :; done
  for f in "$TMPDIR"/ddb-guardrails-deploy-*/tfplan; do cp "$f" "$f.orig" && cp "$FAKE_TF_SWAP" "$f"; done
  ${JSON.stringify(realTerraform)} "$@"; status=$?
  echo "shown $(sha256sum "$last" | cut -c1-64)" >> "$FAKE_TF_LOG"
  for f in "$TMPDIR"/ddb-guardrails-deploy-*/tfplan; do cp "$f.orig" "$f"; done
  exit $status
fi
if [ "$1" = show ] && [ -n "$FAKE_TF_RACE" ]; then
  # The race of issue 22: a process of the same user rewrites the saved plan through /proc (terraform's
  # fd 3 and the gate's own descriptor) with a benign plan's bytes while show reads it, then restores it.
  ${JSON.stringify(process.execPath)} "$FAKE_TF_RACE_SCRIPT" attack $$ $PPID "$FAKE_TF_RACE" >> "$FAKE_TF_LOG"
  ${JSON.stringify(realTerraform)} "$@"; status=$?
  ${JSON.stringify(process.execPath)} "$FAKE_TF_RACE_SCRIPT" restore $$ $PPID "$FAKE_TF_RACE" >> "$FAKE_TF_LOG"
  exit $status
fi
exec ${JSON.stringify(realTerraform)} "$@"
`,
);
chmodSync(join(bin, "terraform"), 0o755);

// attack <terraform pid> <gate pid> <benign plan>: 100 attempts per descriptor of the saved plan (chmod,
// open for writing, write the benign bytes, truncate to their length), the original kept aside;
// restore: puts the original back where an attempt got through. Prints one line per step for the log.
const raceScript = join(work, "race.js");
writeFileSync(
  raceScript,
  `const fs = require("node:fs");
const [mode, tfPid, gatePid, benignFile] = process.argv.slice(2);
const targets = [\`/proc/\${tfPid}/fd/3\`];
for (const fd of fs.readdirSync(\`/proc/\${gatePid}/fd\`)) {
  let link = "";
  try { link = fs.readlinkSync(\`/proc/\${gatePid}/fd/\${fd}\`); } catch {}
  if (/tfplan|ddb-guardrails-plan/.test(link)) targets.push(\`/proc/\${gatePid}/fd/\${fd}\`);
}
const keep = benignFile + ".original";
if (mode === "attack") {
  fs.writeFileSync(keep, fs.readFileSync(targets[0]));
  const benign = fs.readFileSync(benignFile);
  let attempts = 0, opened = 0, changed = 0;
  for (const path of targets) {
    for (let i = 0; i < 100; i++) {
      attempts++;
      try { fs.chmodSync(path, 0o600); } catch {}
      let fd;
      try { fd = fs.openSync(path, fs.constants.O_WRONLY); opened++; } catch { continue; }
      let wrote = false;
      try { wrote = fs.writeSync(fd, benign, 0, benign.length, 0) > 0; } catch {}
      try { fs.ftruncateSync(fd, benign.length); wrote = true; } catch {}
      if (wrote) changed++;
      fs.closeSync(fd);
    }
  }
  console.log(\`race \${targets.length} targets \${attempts} attempts \${opened} opened \${changed} changed\`);
} else {
  const original = fs.readFileSync(keep);
  try {
    const fd = fs.openSync(targets[0], fs.constants.O_WRONLY);
    fs.writeSync(fd, original, 0, original.length, 0);
    fs.ftruncateSync(fd, original.length);
    fs.closeSync(fd);
    console.log("restored");
  } catch (e) { console.log("restore failed " + e.code); }
}
`,
);

const app = join(work, "app");
cpSync(join(FIXTURES, "cli-cdktf-app"), app, { recursive: true });

let runs = 0;
function deploy(args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = join(work, `terraform-${++runs}.log`);
  writeFileSync(log, "");
  const run = runCli(["deploy", "--app-dir", app, "--rules", "encryption", ...args], {
    cwd: work,
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_TF_LOG: log, NODE_PATH: join(ROOT, "node_modules"), ...env },
  });
  return { ...run, calls: readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}

describe("ddb-guardrails deploy", () => {
  test("a stack that fails validation is never applied: findings on stdout, exit 1", () => {
    const run = deploy(["--stack", "unencrypted", "--auto-approve"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/aws_dynamodb_table\.CartsTable\s+DDB-ENC-001/);
    expect(run.stderr).toMatch(/deploy refused: 1 violation\(s\) in .*unencrypted; nothing was applied/);
    expect(run.calls).toEqual(["init", "plan", "show"]);
  });

  test("a stack that passes is applied, from exactly the saved plan that was validated", () => {
    const shown = join(work, "shown.tfplan");
    const run = deploy(["--stack", "encrypted", "--auto-approve"], { FAKE_TF_KEEP: shown });
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    // deploy always evaluates DDB-AUD-008 (commands outside the plan), and the note says so
    expect(run.stdout).toMatch(
      /^PASS \(\d+ of \d+ rules; only encryption, DDB-AUD-008, DDB-AUD-008-UNPROVABLE ran\) 0 violations/m,
    );
    expect(run.calls.slice(0, 4)).toEqual(["init", "plan", "show", "apply"]);
    // apply got byte for byte the plan that show turned into the JSON the rules judged
    const applied = run.calls[4].replace("applied ", "");
    expect(applied).toBe(createHash("sha256").update(readFileSync(shown)).digest("hex"));
    expect(run.stderr).toContain(`applying the validated plan (sha256 ${applied.slice(0, 12)})`);
    expect(run.stderr).toMatch(/Apply complete!/); // terraform's output goes to stderr, stdout keeps the report
  });

  test("without --auto-approve and without a terminal to confirm on, nothing is applied (exit 2)", () => {
    const run = deploy(["--stack", "encrypted"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/refusing to apply without --auto-approve: there is no terminal to confirm on/);
    expect(run.calls).toEqual([]);
  });

  test('on a terminal it asks, and applies only after "yes"', () => {
    const log = join(work, "terraform-tty.log");
    writeFileSync(log, "");
    const command = [process.execPath, CLI, "deploy", "--app-dir", app, "--rules", "encryption", "--stack", "encrypted"]
      .map((a) => JSON.stringify(a))
      .join(" ");
    const run = spawnSync("script", ["-qec", command, "/dev/null"], {
      input: "yes\n",
      encoding: "utf8",
      cwd: work,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_TF_LOG: log,
        NODE_PATH: join(ROOT, "node_modules"),
      },
    });
    expect(run.stdout).toMatch(/Apply the validated plan in .*encrypted\? Only "yes" is accepted:/);
    expect(run.status).toBe(0);
    expect(readFileSync(log, "utf8")).toMatch(/^apply$/m);
  });

  test("a same-user process rewriting the saved plan through /proc/<pid>/fd while show runs changes nothing (issue 22 race, 200 attempts)", () => {
    const benign = join(work, "benign-race.tfplan");
    expect(deploy(["--stack", "encrypted", "--auto-approve"], { FAKE_TF_KEEP: benign }).status).toBe(0);
    const run = deploy(["--stack", "unencrypted", "--auto-approve"], {
      FAKE_TF_RACE: benign,
      FAKE_TF_RACE_SCRIPT: raceScript,
    });
    const race = run.calls.find((c) => c.startsWith("race "));
    // terraform's fd 3 and the gate's own descriptor, 100 attempts each, every one opened for writing
    expect(race).toBe("race 2 targets 200 attempts 200 opened 0 changed");
    expect(run.calls).toContain("restore failed EPERM");
    // show read the unencrypted stack's own plan, so it was refused and nothing was applied
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/aws_dynamodb_table\.CartsTable\s+DDB-ENC-001/);
    expect(run.calls.filter((c) => c.startsWith("apply"))).toEqual([]);
  });

  test("a plan swapped on disk while terraform show runs and restored after is not applied: show and apply read one sealed copy", () => {
    const benign = join(work, "benign.tfplan");
    expect(deploy(["--stack", "encrypted", "--auto-approve"], { FAKE_TF_KEEP: benign }).status).toBe(0);
    const tmp = mkdtempSync(join(work, "tmp-swap-"));
    const run = deploy(["--stack", "unencrypted", "--auto-approve"], { FAKE_TF_SWAP: benign, TMPDIR: tmp });
    const shown = run.calls.find((c) => c.startsWith("shown "))?.slice("shown ".length);
    const applied = run.calls.find((c) => c.startsWith("applied "))?.slice("applied ".length);
    expect(shown).toBeDefined();
    // Either nothing is applied, or exactly the bytes terraform show was given.
    if (applied !== undefined) expect(applied).toBe(shown);
    expect(run.status).toBe(1); // the unencrypted stack's own plan was validated, and refused
    expect(run.stdout).toMatch(/aws_dynamodb_table\.CartsTable\s+DDB-ENC-001/);
    expect(applied).toBeUndefined();
  });

  test("SIGTERM during terraform plan: terraform finishes its step, then the gate stops (exit 2), applies nothing and removes the saved plan", async () => {
    const log = join(work, "terraform-interrupt.log");
    const marker = join(work, "plan-started");
    const tmp = join(work, "tmp-interrupt");
    mkdirSync(tmp);
    writeFileSync(log, "");
    const child = spawn(
      process.execPath,
      [CLI, "deploy", "--app-dir", app, "--rules", "encryption", "--stack", "encrypted", "--auto-approve"],
      {
        cwd: work,
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          FAKE_TF_LOG: log,
          FAKE_TF_SLOW_PLAN: marker,
          TMPDIR: tmp,
          NODE_PATH: join(ROOT, "node_modules"),
        },
      },
    );
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(true);
    child.kill("SIGTERM"); // to the gate only; terraform is left to finish
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toMatch(/terraform plan in .*: interrupted; nothing was applied/);
    expect(status).toBe(2);
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["init", "plan"]);
    expect(readdirSync(tmp).filter((n) => n.startsWith("ddb-guardrails-deploy-"))).toEqual([]);
  });

  test("bad options fail before anything runs", () => {
    const run = deploy(["--stack", "encrypted", "-f", "json", "-f", "sarif"]);
    expect(run.status).toBe(2);
    expect(run.calls).toEqual([]);
  });
});

describe("another terraform binary (OpenTofu's tofu)", () => {
  // A "tofu" elsewhere than PATH that logs itself and hands over to the fake terraform above.
  const tofu = join(work, "tofu-bin", "tofu");
  mkdirSync(join(work, "tofu-bin"));
  writeFileSync(tofu, `#!/bin/sh\necho tofu >> "$FAKE_TF_LOG"\nexec ${JSON.stringify(join(bin, "terraform"))} "$@"\n`);
  chmodSync(tofu, 0o755);

  test("deploy --terraform-bin runs every step with that binary", () => {
    const run = deploy(["--stack", "encrypted", "--auto-approve", "--terraform-bin", tofu]);
    expect(run.status).toBe(0);
    expect(run.calls.slice(0, 8)).toEqual(["tofu", "init", "tofu", "plan", "tofu", "show", "tofu", "apply"]);
  });

  test("DDB_GUARDRAILS_TERRAFORM does the same for validating a directory", () => {
    const log = join(work, "terraform-tofu-env.log");
    writeFileSync(log, "");
    const run = runCli(["validate", app, "--stack", "unencrypted", "--rules", "encryption", "-f", "json"], {
      cwd: work,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_TF_LOG: log,
        DDB_GUARDRAILS_TERRAFORM: tofu,
        NODE_PATH: join(ROOT, "node_modules"),
      },
    });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).violations.map((v: { rule: string }) => v.rule)).toEqual(["DDB-ENC-001"]);
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["tofu", "init", "tofu", "plan", "tofu", "show"]);
  });
});
