// deploy and commands that run outside the validated plan (DDB-AUD-008): a real terraform_data with a
// local-exec provisioner, planned and (only when waived) applied with local state. The command writes
// a marker file: its absence proves nothing ran.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-deploy-commands-"));

/** A Terraform folder whose one resource runs `touch <marker>` at apply. */
function stack(name: string): { dir: string; marker: string } {
  const dir = join(work, name);
  mkdirSync(dir);
  const marker = join(dir, "command-ran");
  writeFileSync(
    join(dir, "main.tf"),
    `resource "terraform_data" "invalid_command" {\n  provisioner "local-exec" {\n    command = "touch ${marker}"\n  }\n}\n`,
  );
  return { dir, marker };
}

function deploy(dir: string, args: string[] = []) {
  return runCli(["deploy", "--app-dir", dir, "--auto-approve", ...args], { cwd: dir });
}

const refusal =
  /deploy refused: 1 command\(s\) would run outside the validated plan \(DDB-AUD-008: terraform_data\.invalid_command\)/;

describe("deploy refuses commands that run outside the plan unless waived", () => {
  test("a local-exec provisioner: exit 1, nothing applied, the command never ran", () => {
    const { dir, marker } = stack("plain");
    const run = deploy(dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/terraform_data\.invalid_command\s+DDB-AUD-008/);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, "terraform.tfstate"))).toBe(false);
  });

  test("--rules, --skip-rules and --fail-on cannot leave the rule out", () => {
    const { dir, marker } = stack("narrowed");
    for (const args of [
      ["--rules", "encryption"],
      ["--skip-rules", "audit"],
      ["--fail-on", "critical", "--rules", "fgac"],
    ]) {
      const run = deploy(dir, args);
      expect({ args, status: run.status }).toEqual({ args, status: 1 });
      expect(run.stdout).toMatch(/terraform_data\.invalid_command\s+DDB-AUD-008/);
      expect(run.stderr).toMatch(/deploy refused: .*nothing was applied/);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("a severity override below --fail-on passes the report, and deploy still refuses", () => {
    const { dir, marker } = stack("lowered");
    writeFileSync(join(dir, ".ddb-guardrails.yml"), "severity:\n  DDB-AUD-008: low\n");
    const run = deploy(dir, ["--fail-on", "high"]);
    expect(run.stdout).toMatch(/^PASS/m);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(refusal);
    expect(existsSync(marker)).toBe(false);
  });

  test("waived with a reason, the plan is applied and the command runs", () => {
    const { dir, marker } = stack("waived");
    writeFileSync(
      join(dir, ".ddb-guardrails.yml"),
      [
        "waivers:",
        "  - rule: DDB-AUD-008",
        "    address: terraform_data.invalid_command",
        "    reason: reviewed marker command",
        "    expires: 2099-01-01",
      ].join("\n"),
    );
    const run = deploy(dir);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  test("validate reports the same finding (exit 1)", () => {
    const { dir } = stack("validated");
    const run = runCli(["validate", dir, "--compact"], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/CRITICAL\s+terraform_data\.invalid_command\s+DDB-AUD-008/);
  });
});
