// New access (issue #25): the access map of a change against the map of its prior state, end to end
// through the CLI on a real change plan (test/fixtures/change-new-access: applied to the local emulator,
// then a tenant role's policy gains dynamodb:Scan).
import type { Report } from "../../src/engine";
import { fixturePlan, runCli } from "../helpers/paths";

function validate(fixture: string, ...args: string[]) {
  const run = runCli(["validate", fixturePlan(fixture), ...args]);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("ddb-guardrails validate: new access", () => {
  test("a policy that gains Scan gives its role scan on the table, and nothing it had before", () => {
    const report = JSON.parse(validate("change-new-access", "-f", "json").stdout) as Report;
    expect(report.review?.accessDiff?.new).toEqual([
      {
        table: "aws_dynamodb_table.sessions",
        principal: "role/tenant-api",
        policy: "aws_iam_role_policy.tenant_api",
        document: "policy",
        capability: "scan",
        witness: expect.objectContaining({
          action: "dynamodb:Scan",
          resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/sessions",
        }),
      },
    ]);
    expect(report.review?.accessDiff?.failed).toBe(false);
    // The bound reads were there before the change: in the map, not in the diff.
    const row = report.access?.tables[0].principals.find((r) => r.policy === "aws_iam_role_policy.tenant_api");
    expect(Object.keys(row?.capabilities ?? {}).sort()).toEqual(["read_bound", "scan", "write_protected"]);
  });

  test("--fail-on-new-access fails a gate the findings alone pass", () => {
    expect(validate("change-new-access", "--fail-on", "critical").status).toBe(0);
    const failed = validate("change-new-access", "--fail-on", "critical", "--fail-on-new-access", "-f", "json");
    expect(failed.status).toBe(1);
    expect((JSON.parse(failed.stdout) as Report).review?.accessDiff?.failed).toBe(true);
  });

  test("the pull-request comment has a New access section", () => {
    const markdown = validate("change-new-access", "-f", "markdown").stdout;
    expect(markdown).toContain(
      "- role/tenant-api gains **scan** on `aws_dynamodb_table.sessions` (`aws_iam_role_policy.tenant_api`): e.g. role/tenant-api can dynamodb:Scan table/sessions",
    );
  });

  test("a plan that creates everything has no prior state: every capability of its map is new", () => {
    const report = JSON.parse(validate("iam-04-streams", "-f", "json").stdout) as Report;
    const capabilities = [
      ...report.access!.tables.flatMap((t) => t.principals),
      ...report.access!.any_table.principals,
    ].flatMap((r) => Object.keys(r.capabilities));
    expect(capabilities.length).toBeGreaterThan(0);
    expect(report.review?.accessDiff?.new.map((g) => g.capability).sort()).toEqual(capabilities.sort());
  });

  test("a change that grants nothing new has an empty diff and passes --fail-on-new-access", () => {
    const run = validate("change-unchanged", "-f", "json", "--fail-on-new-access", "--fail-on", "critical");
    const report = JSON.parse(run.stdout) as Report;
    expect(report.review?.accessDiff).toEqual({ new: [], failed: false });
    expect(run.status).toBe(0);
  });
});
