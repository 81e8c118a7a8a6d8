// The saved plan that deploy validates and applies, attacked as issue 22 describes: a process of the
// same user (the change's own code runs as the gate's user during synth and plan) finds the plan as
// /proc/<gate pid>/fd/<n>, chmods it, opens it for writing and rewrites it while the gate holds it.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SealedPlan } from "../../src/runner/sealed-plan";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-sealed-"));
const ATTEMPTS = 200;

// One attempt: chmod the magic link's target, open it for writing, overwrite from offset 0, truncate.
// Each attempt reports what it achieved; a write of any byte, or a truncate, counts as a success.
const ATTACKER = `
const fs = require("node:fs");
const [path, attempts, out] = process.argv.slice(1);
const benign = Buffer.from("BENIGN PLAN ".repeat(64));
const results = [];
for (let i = 0; i < Number(attempts); i++) {
  const r = { chmod: "ok", open: "ok", write: "failed", truncate: "failed", error: "" };
  try { fs.chmodSync(path, 0o600); } catch (e) { r.chmod = e.code; }
  let fd;
  try { fd = fs.openSync(path, fs.constants.O_WRONLY); } catch (e) { r.open = e.code; r.error = e.code; }
  if (fd !== undefined) {
    try { if (fs.writeSync(fd, benign, 0, benign.length, 0) > 0) r.write = "ok"; } catch (e) { r.error = e.code; }
    try { fs.ftruncateSync(fd, 3); r.truncate = "ok"; } catch (e) { r.error ||= e.code; }
    fs.closeSync(fd);
  }
  results.push(r);
}
fs.writeFileSync(out, JSON.stringify(results));
`;

function attack(path: string, out: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", ATTACKER, path, String(ATTEMPTS), out], { stdio: "inherit" });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

describe("the sealed saved plan", () => {
  test(`a same-user process that opens /proc/<pid>/fd/<n> for writing cannot change one byte (${ATTEMPTS} attempts)`, async () => {
    const planFile = join(work, "tfplan");
    const original = Buffer.from(`PK\u0003\u0004 an insecure plan ${"x".repeat(4000)}`);
    writeFileSync(planFile, original);
    const sealed = SealedPlan.seal(planFile);
    try {
      const path = `/proc/${process.pid}/fd/${sealed.childFd}`;
      const out = join(work, "attempts.json");
      // The gate keeps reading the plan while the attacker runs: the window between show and apply.
      const attacker = attack(path, out);
      let reads = 0;
      const reading = setInterval(() => {
        sealed.verify();
        reads++;
      }, 1);
      const status = await attacker;
      clearInterval(reading);
      expect(status).toBe(0);
      const results: { chmod: string; open: string; write: string; truncate: string; error: string }[] = JSON.parse(
        readFileSync(out, "utf8"),
      );
      expect(results).toHaveLength(ATTEMPTS);
      expect(results.filter((r) => r.write === "ok" || r.truncate === "ok")).toEqual([]);
      // The writes failed because of the seals (EPERM), not for want of reaching the file.
      expect(new Set(results.map((r) => r.error))).toEqual(new Set(["EPERM"]));
      expect(readFileSync(path)).toEqual(original);
      expect(() => sealed.verify()).not.toThrow();
      expect(reads).toBeGreaterThan(0);
      process.stderr.write(
        `sealed plan: ${results.length} attempts, ${results.filter((r) => r.open === "ok").length} opened for writing, 0 changed a byte\n`,
      );
    } finally {
      sealed.close();
    }
  });

  test("terraform is given the sealed bytes: /dev/fd/3 in a child reads exactly what was planned", async () => {
    const planFile = join(work, "tfplan-child");
    writeFileSync(planFile, "planned bytes");
    const sealed = SealedPlan.seal(planFile);
    try {
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn("cat", [SealedPlan.CHILD_PATH], { stdio: ["ignore", "pipe", "inherit", sealed.childFd] });
        const chunks: Buffer[] = [];
        child.stdout?.on("data", (b: Buffer) => chunks.push(b));
        child.on("error", reject);
        child.on("close", () => resolve(Buffer.concat(chunks).toString()));
      });
      expect(output).toBe("planned bytes");
    } finally {
      sealed.close();
    }
  });

  test("where memory files cannot be sealed, the gate refuses before any work (one line, GuardrailsError)", () => {
    const platform = Object.getOwnPropertyDescriptor(process, "platform")!;
    Object.defineProperty(process, "platform", { value: "darwin" });
    try {
      jest.isolateModules(() => {
        const { SealedPlan: Fresh } =
          require("../../src/runner/sealed-plan") as typeof import("../../src/runner/sealed-plan");
        const { GuardrailsError: FreshError } = require("../../src/engine") as typeof import("../../src/engine");
        let error: unknown;
        try {
          Fresh.assertAvailable();
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(FreshError);
        expect((error as Error).message).toMatch(
          /^terraform is given the saved plan only as a sealed memory file \(Linux memfd with F_SEAL_WRITE\).*which darwin does not have; refusing to go on \(nothing was applied\)$/,
        );
        expect((error as Error).message).not.toMatch(/\n/);
      });
    } finally {
      Object.defineProperty(process, "platform", platform);
    }
  });
});
