// The built CLI on DynamoDB tables created outside the aws provider: CloudFormation stacks (real
// plans) and the AWS Cloud Control provider (test/fixtures/awscc-tables/README.md). Which tables are
// flagged is held by the Rego tests and test/policies/fixture-names.test.ts; here: where the CLI
// places a finding inside a template, and what it refuses.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, fixturePlan, runCli } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-cli-providers-"));
const read = (name: string) => JSON.parse(readFileSync(fixturePlan(name), "utf8"));

describe("tables of CloudFormation stacks", () => {
  test("a table inside a template is named in the message, at the stack's line of its .tf file", () => {
    const run = runCli(["validate", fixturePlan("cfn-stack-tables")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /aws_cloudformation_stack\.invalid_owned_key\s+DDB-ENC-001\s+Resources\.NoSse \(AWS::DynamoDB::Table\): table is encrypted with an AWS-owned key .*\[test\/fixtures\/cfn-stack-tables\/main\.tf:91\]/,
    );
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
