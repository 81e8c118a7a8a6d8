// The built CLI choosing rules by guardrail and by id, on access granted outside the policy text of
// the plan (IAM Identity Center) and administration rights over every table (DDB-FGAC-006). Which
// resources are flagged is held by the Rego tests and test/policies/fixture-names.test.ts.
import { fixturePlan, runCli } from "../helpers/paths";

function rulesRun(fixture: string, ...args: string[]): { status: number | null; rules: string[] } {
  const run = runCli(["validate", fixturePlan(fixture), "--format", "json", ...args]);
  expect(run.stderr).toBe("");
  return { status: run.status, rules: JSON.parse(run.stdout).violations.map((v: { rule: string }) => v.rule) };
}

describe("ddb-guardrails validate --rules", () => {
  test("a guardrail name runs that guardrail's rules only: exit 1 on the FGAC findings", () => {
    const { status, rules } = rulesRun("fgac-sso", "--rules", "fgac");
    expect(status).toBe(1);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((r) => !r.startsWith("DDB-FGAC-"))).toEqual([]);
  });

  test("a rule id runs that rule and its -UNPROVABLE twin only", () => {
    const { status, rules } = rulesRun("fgac-admin-actions", "--rules", "DDB-FGAC-006");
    expect(status).toBe(1);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((r) => r !== "DDB-FGAC-006" && r !== "DDB-FGAC-006-UNPROVABLE")).toEqual([]);
  });

  test("a stack that passes the rules that ran says which ran, exit 0", () => {
    const run = runCli(["validate", fixturePlan("model-compliant-stack"), "--rules", "DDB-FGAC-006"]);
    expect(run.stdout).toMatch(
      /^PASS \(\d of \d+ rules; only DDB-FGAC-006(, DDB-FGAC-006-UNPROVABLE)? ran\) 0 violations/m,
    );
    expect(run.status).toBe(0);
  });
});
