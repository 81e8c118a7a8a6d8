// The generated Terraform modules, called from plain HCL (test/fixtures/terraform-modules-*/main.tf):
// each root config passes `terraform validate` and `terraform plan` offline with the real provider,
// and its plan passes the guardrails with zero violations.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { FIXTURES, ROOT, runCli } from "../helpers/paths";

const run = promisify(execFile);
const MODULES = ["secure-table", "gateway-endpoint", "tenant-access", "audit-trail", "stream-archive"];

interface Outcome {
  readonly valid: boolean;
  readonly planFile: string;
  readonly plan: Record<string, any>;
}

/** Lays the fixture out at its repository depth with terraform/ beside it, so its relative module source resolves. */
async function planFixture(base: string, name: string): Promise<Outcome> {
  const dir = join(base, name, "test", "fixtures", `terraform-modules-${name}`);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(ROOT, "terraform"), join(base, name, "terraform"));
  cpSync(join(FIXTURES, `terraform-modules-${name}`, "main.tf"), join(dir, "main.tf"));
  cpSync(join(FIXTURES, "offline-provider.tf"), join(dir, "_offline_provider.tf"));
  const tf = (...args: string[]) =>
    run("terraform", args, { cwd: dir, env: process.env, maxBuffer: 256 * 1024 * 1024 });
  await tf("init", "-input=false", "-no-color");
  const validate = JSON.parse((await tf("validate", "-json", "-no-color")).stdout);
  await tf("plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", "-out=tfplan");
  const json = (await tf("show", "-json", "tfplan")).stdout;
  const planFile = join(dir, "plan.json");
  writeFileSync(planFile, json);
  return { valid: validate.valid === true, planFile, plan: JSON.parse(json) };
}

describe("generated Terraform modules called from plain HCL", () => {
  const base = mkdtempSync(join(tmpdir(), "tf-module-fixtures-"));
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    // Two at a time: terraform plan is CPU-bound and the suite shares a small machine.
    for (let i = 0; i < MODULES.length; i += 2) {
      const batch = MODULES.slice(i, i + 2);
      const results = await Promise.all(batch.map((name) => planFixture(base, name)));
      batch.forEach((name, j) => {
        outcomes.set(name, results[j]);
      });
    }
  }, 600_000);

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  test.each(MODULES)("%s: terraform validate accepts the root config", (name) => {
    expect(outcomes.get(name)!.valid).toBe(true);
  });

  test.each(MODULES)("%s: the plan creates the module's resources", (name) => {
    const changes = outcomes
      .get(name)!
      .plan.resource_changes.filter((c: any) => c.mode === "managed" && c.module_address);
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.change.actions).toEqual(["create"]);
  });

  test.each(MODULES)("%s: the plan passes the guardrails with zero violations", (name) => {
    const result = runCli(["validate", outcomes.get(name)!.planFile, "--format", "json"]);
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout);
    expect(report.violations).toEqual([]);
    expect(result.status).toBe(0);
  });

  test.each(MODULES)(
    "%s: the committed fixture plan plans the same resources (regenerate with npm run fixtures)",
    (name) => {
      const committed = JSON.parse(readFileSync(join(FIXTURES, `terraform-modules-${name}`, "plan.json"), "utf8"));
      const addresses = (plan: any) => plan.resource_changes.map((c: any) => c.address).sort();
      expect(addresses(committed)).toEqual(addresses(outcomes.get(name)!.plan));
    },
  );

  test("no module configures a provider", () => {
    for (const name of MODULES) {
      const module = JSON.parse(readFileSync(join(ROOT, "terraform", name, "main.tf.json"), "utf8"));
      expect(module.provider).toBeUndefined();
      expect(module.terraform.backend).toBeUndefined();
      expect(module.terraform.required_providers.aws.source).toBe("hashicorp/aws");
    }
  });

  test("each module's README states the provider versions its main.tf.json requires", () => {
    for (const name of MODULES) {
      const module = JSON.parse(readFileSync(join(ROOT, "terraform", name, "main.tf.json"), "utf8"));
      const readme = readFileSync(join(ROOT, "terraform", name, "README.md"), "utf8");
      expect(readme).toContain(`hashicorp/aws \`${module.terraform.required_providers.aws.version}\``);
      expect(readme).not.toMatch(/aws >= 5\.100\)/);
    }
  });
});
