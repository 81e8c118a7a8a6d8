// OpenTofu: `tofu show -json` plans of five fixtures (made with OpenTofu 1.10 and the same AWS provider,
// see test/fixtures/<case>/opentofu-plan.json) give the same (rule, address) findings as the
// Terraform plans of the same HCL.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundle, readPlan, validatePlan, type Report } from "../src/engine";
import { FIXTURES, fixturePlan, runCli } from "./helpers/paths";

const CASES = [
  "endpoint-missing",
  "fgac-leading-keys",
  "model-child-module",
  "table-cmk-same-plan",
  "table-unencrypted",
];
const tofuPlan = (name: string) => join(FIXTURES, name, "opentofu-plan.json");
const bundle = loadBundle();
const findings = (report: Report) => report.violations.map((f) => `${f.rule} ${f.address}`).sort();

test.each(CASES)("%s: the OpenTofu plan gives the Terraform plan's findings", (name) => {
  const tofu = readPlan(tofuPlan(name));
  // really OpenTofu's output: its providers come from its own registry
  expect(JSON.stringify(tofu.configuration)).toContain("registry.opentofu.org/hashicorp/aws");
  const terraform = validatePlan(readPlan(fixturePlan(name)), { bundle });
  const opentofu = validatePlan(tofu, { bundle });
  expect(findings(opentofu)).toEqual(findings(terraform));
  expect(opentofu.summary).toEqual(terraform.summary);
});

test("the cases are not all trivially clean", () => {
  const total = CASES.map((name) => validatePlan(readPlan(tofuPlan(name)), { bundle }).violations.length).reduce(
    (a, b) => a + b,
    0,
  );
  expect(total).toBeGreaterThan(3);
});

test("the CLI reads an OpenTofu plan like a Terraform one", () => {
  const run = runCli(["validate", tofuPlan("table-unencrypted"), "-f", "json"]);
  expect(run.status).toBe(1);
  expect(JSON.parse(run.stdout).violations[0]).toMatchObject({
    rule: "DDB-ENC-001",
    address: "aws_dynamodb_table.invalid_aws_owned_key",
  });
  expect(readFileSync(tofuPlan("table-unencrypted"), "utf8")).toContain('"terraform_version":"1.10.10');
});
