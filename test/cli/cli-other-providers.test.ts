// The built CLI on DynamoDB tables created outside the aws provider: CloudFormation stacks (real
// plans) and the AWS Cloud Control provider (test/fixtures/awscc-tables/README.md).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, fixturePlan, runCli } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-cli-providers-"));
const read = (name: string) => JSON.parse(readFileSync(fixturePlan(name), "utf8"));

/** A fixture plan with only the resources whose name starts with valid_ (or that are not tables). */
function validOnly(name: string): string {
  const plan = read(name);
  const keep = (r: { name: string }) => r.name.startsWith("valid_") || !/^(invalid|unprovable)_/.test(r.name);
  plan.resource_changes = plan.resource_changes.filter(keep);
  plan.configuration.root_module.resources = plan.configuration.root_module.resources.filter(keep);
  plan.planned_values.root_module.resources = plan.planned_values.root_module.resources.filter(keep);
  delete plan.relevant_attributes;
  const file = join(work, `${name}-valid.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

describe("tables of CloudFormation stacks", () => {
  test("every insecure table of a template fails, named in the message, at the stack's line", () => {
    const run = runCli(["validate", fixturePlan("cfn-stack-tables")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /aws_cloudformation_stack\.invalid_owned_key\s+DDB-ENC-001\s+Resources\.NoSse \(AWS::DynamoDB::Table\): table is encrypted with an AWS-owned key .*\[test\/fixtures\/cfn-stack-tables\/main\.tf:91\]/,
    );
    expect(run.stdout).toMatch(/aws_cloudformation_stack\.unprovable_template_url\s+DDB-ENC-001-UNPROVABLE/);
  });

  test("compliant stacks (JSON and YAML templates, template keys, a key parameter) pass", () => {
    const run = runCli(["validate", validOnly("cfn-stack-tables")]);
    expect(run.stdout).toMatch(/^PASS 0 violations in 4 resources/m);
    expect(run.status).toBe(0);
  });
});

describe("tables of the awscc provider", () => {
  test("the fixture is exactly what scripts/fixtures/awscc-fixture.js makes of its real source plan", () => {
    const out = join(work, "awscc-tables.json");
    const run = spawnSync(process.execPath, [
      join(ROOT, "scripts", "fixtures", "awscc-fixture.js"),
      fixturePlan("awscc-tables-source"),
      out,
    ]);
    expect(run.status).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(fixturePlan("awscc-tables"), "utf8"));
  });

  test("findings by rule, in the JSON report", () => {
    const run = runCli(["validate", fixturePlan("awscc-tables"), "-f", "json"]);
    expect(run.status).toBe(1);
    const rules = (JSON.parse(run.stdout).violations as { rule: string; address: string }[]).map(
      (f) => `${f.rule} ${f.address}`,
    );
    expect(rules).toContain("DDB-ENC-001 awscc_dynamodb_table.invalid_no_sse");
    expect(rules).toContain("DDB-ENC-002 awscc_dynamodb_global_table.invalid_global_replica_aws_managed_key");
    expect(rules.filter((r) => / awscc_dynamodb_\w+\.valid_/.test(r))).toEqual([]);
  });

  test("compliant tables and global tables pass", () => {
    const run = runCli(["validate", validOnly("awscc-tables")]);
    expect(run.stdout).toMatch(/^PASS 0 violations in 5 resources/m);
    expect(run.status).toBe(0);
  });

  test("a value of the wrong type for the awscc schema is refused (exit 2), not judged", () => {
    const plan = read("awscc-tables");
    const table = plan.resource_changes.find(
      (r: { address: string }) => r.address === "awscc_dynamodb_table.valid_key_in_plan",
    );
    table.change.after.sse_specification.sse_enabled = "yes";
    const file = join(work, "awscc-ill-typed.json");
    writeFileSync(file, JSON.stringify(plan));
    const run = runCli(["validate", file]);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toMatch(
      /^ddb-guardrails: error: .*awscc_dynamodb_table\.valid_key_in_plan: change\.after\.sse_specification\.sse_enabled must be a bool, not a string \(schema of awscc_dynamodb_table in registry\.terraform\.io\/hashicorp\/awscc/,
    );
    expect(run.status).toBe(2);
  });
});
