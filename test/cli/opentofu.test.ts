// OpenTofu: `tofu show -json` plans of five fixtures (made with OpenTofu 1.10 and the same AWS provider,
// see test/fixtures/<case>/opentofu-plan.json) give the same (rule, address) findings as the
// Terraform plans of the same HCL.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundle, readPlan, validatePlan, type Report } from "../../src/engine";
import { FIXTURES, fixturePlan, runCli } from "../helpers/paths";

const CASES = [
  "endpoint-missing",
  "fgac-leading-keys",
  "model-child-module",
  "table-cmk-same-plan",
  "table-unencrypted",
];
const tofuPlan = (name: string) => join(FIXTURES, name, "opentofu-plan.json");
const bundle = loadBundle();
// The OpenTofu plans were made before the fixtures gained monitoring.tf (the audit rules DDB-AUD-004..007
// ask every table for a Scan alarm, change and export alerts and Contributor Insights), and no tofu
// binary is here to plan them again: those four rules and the resource count are left out of the
// comparison, every other rule is compared.
const MONITORING_RULES = ["DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007"];
const compared = { bundle, skipRules: MONITORING_RULES };
const verdict = ({ summary }: Report) => ({
  violations: summary.violations,
  waived: summary.waived,
  passed: summary.passed,
});
const findings = (report: Report) => report.violations.map((f) => `${f.rule} ${f.address}`).sort();

test.each(CASES)("%s: the OpenTofu plan gives the Terraform plan's findings", (name) => {
  const tofu = readPlan(tofuPlan(name));
  // really OpenTofu's output: its providers come from its own registry
  expect(JSON.stringify(tofu.configuration)).toContain("registry.opentofu.org/hashicorp/aws");
  const terraform = validatePlan(readPlan(fixturePlan(name)), compared);
  const opentofu = validatePlan(tofu, compared);
  expect(findings(opentofu)).toEqual(findings(terraform));
  expect(verdict(opentofu)).toEqual(verdict(terraform));
});

test("the cases are not all trivially clean", () => {
  const total = CASES.map((name) => validatePlan(readPlan(tofuPlan(name)), { bundle }).violations.length).reduce(
    (a, b) => a + b,
    0,
  );
  expect(total).toBeGreaterThan(3);
});

test("the CLI reads an OpenTofu plan like a Terraform one", () => {
  // On stdin: the fixture's Terraform source has grown since this OpenTofu plan was made, and a
  // plan file is cross-checked against the source beside it (a mismatch is refused, exit 2).
  const run = runCli(["validate", "-", "-f", "json"], { input: readFileSync(tofuPlan("table-unencrypted")) });
  expect(run.status).toBe(1);
  expect(JSON.parse(run.stdout).violations).toContainEqual(
    expect.objectContaining({ rule: "DDB-ENC-001", address: "aws_dynamodb_table.invalid_aws_owned_key" }),
  );
  expect(readFileSync(tofuPlan("table-unencrypted"), "utf8")).toContain('"terraform_version":"1.10.10');
});
