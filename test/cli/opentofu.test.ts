// OpenTofu: every fixture plan has an OpenTofu twin, test/fixtures/<case>/opentofu-plan.json, planned by
// OpenTofu 1.10 (scripts/tools/build-opentofu.sh) from the same HCL with the same AWS provider
// (scripts/fixtures/regenerate-fixtures.sh), and every rule gives the same findings on both.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundle, readPlan, validatePlan, type Plan, type Report } from "../../src/engine";
import { FIXTURES, fixturePlan, runCli } from "../helpers/paths";

/** Fixture plans with no OpenTofu twin, and why. */
const NOT_PLANNED_BY_OPENTOFU: Record<string, string> = {
  // Written by scripts/awscc-fixture.js from the plan of awscc-tables-source (which has its twin):
  // no provider mirror here holds hashicorp/awscc, so neither terraform nor tofu plans it.
  "awscc-tables": "derived from awscc-tables-source's plan, not planned from HCL",
  // The cloudposse module declares null_resource: planning needs hashicorp/null, which no mirror here
  // holds for OpenTofu (build-null-provider.sh needs the provider's git repository, and the Go module
  // proxy does not serve its v3 releases).
  "source-cloudposse-dynamodb": "needs the hashicorp/null provider, not in the offline mirror",
};

const tofuPlan = (name: string) => join(FIXTURES, name, "opentofu-plan.json");
const planned = readdirSync(FIXTURES).filter((name) => existsSync(fixturePlan(name)));
const twins = planned.filter((name) => existsSync(tofuPlan(name)));
const bundle = loadBundle();
// Fixed, so that waiver expiry is judged the same way on both.
const now = new Date("2026-06-01T00:00:00Z");
/**
 * What the validator makes of a plan: its findings (rule, severity, address, waived or not) and verdict,
 * or the error it stops with (fixtures of malformed waiver tags).
 */
const outcome = (plan: Plan) => {
  let report: Report;
  try {
    report = validatePlan(plan, { bundle, now });
  } catch (err) {
    return { error: (err as Error).message };
  }
  expect(report.skippedRules).toBeUndefined();
  return {
    findings: report.violations.map((f) => `${f.rule} ${f.severity} ${f.address}${f.waived ? " waived" : ""}`).sort(),
    summary: report.summary,
  };
};
const opentofu = new Map<string, ReturnType<typeof outcome>>();

test("every fixture plan has an OpenTofu twin, but the listed exceptions", () => {
  expect(planned.length).toBeGreaterThan(70);
  expect(planned.filter((name) => !twins.includes(name))).toEqual(Object.keys(NOT_PLANNED_BY_OPENTOFU));
});

test.each(twins)("%s: the OpenTofu plan gives the Terraform plan's findings on every rule", (name) => {
  const tofu = readPlan(tofuPlan(name));
  // Really OpenTofu's output, of this HCL.
  expect(tofu.terraform_version).toMatch(/^1\.10\./);
  if ((tofu.resource_changes ?? []).length > 0)
    expect(JSON.stringify(tofu.configuration)).toContain("registry.opentofu.org/hashicorp/aws");
  opentofu.set(name, outcome(tofu));
  expect(opentofu.get(name)).toEqual(outcome(readPlan(fixturePlan(name))));
});

test("the comparison is not trivially clean: most rules fire on some OpenTofu plan", () => {
  const fired = new Set([...opentofu.values()].flatMap((o) => o.findings ?? []).map((f) => f.split(" ")[0]));
  expect(opentofu.size).toBe(twins.length);
  // Only the fixtures made to be refused are: both plans stop with the same error (compared above).
  expect([...opentofu].filter(([, o]) => "error" in o).map(([name]) => name)).toEqual([
    "waiver-tags-malformed",
    "waiver-tags-unknown-rule",
  ]);
  expect(fired.size).toBeGreaterThan(bundle.rules.length / 2);
});

test("the CLI reads an OpenTofu plan file like a Terraform one, with its source beside it", () => {
  const run = runCli(["validate", tofuPlan("table-unencrypted"), "-f", "json"]);
  expect(run.stderr).not.toMatch(/error/);
  expect(run.status).toBe(1);
  expect(JSON.parse(run.stdout).violations).toContainEqual(
    expect.objectContaining({ rule: "DDB-ENC-001", address: "aws_dynamodb_table.invalid_aws_owned_key" }),
  );
  expect(readFileSync(tofuPlan("table-unencrypted"), "utf8")).toContain('"terraform_version":"1.10.10"');
});

test("waivers written in the source beside an OpenTofu plan file waive as with Terraform's", () => {
  const run = runCli(["validate", tofuPlan("waiver-comments"), "--rules", "recovery", "-f", "json"]);
  expect(run.stderr).not.toMatch(/error/);
  const report = JSON.parse(run.stdout) as Report;
  expect(report.violations.filter((f) => f.waived).map((f) => f.address)).toEqual([
    "aws_dynamodb_table.waived_pitr[0]",
    "aws_dynamodb_table.waived_pitr[1]",
    'module.scratch["eu"].aws_dynamodb_table.this',
    'module.scratch["us"].aws_dynamodb_table.this',
  ]);
  expect(report.summary).toMatchObject({ violations: 3, waived: 4 });
});
