// The built CLI on the fixtures of the monitoring, key-policy, export and streaming-destination rules:
// the text report names every finding of the JSON report as "<address> <rule>", and a plan read from
// its folder is read with the Terraform source beside it. Which resources each rule flags is held by
// the Rego tests (policies/rules/**/*_test.rego) and test/policies/fixture-names.test.ts.
import { readFileSync } from "node:fs";
import { fixturePlan, runCli } from "../helpers/paths";

type Violation = { rule: string; address: string };
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("ddb-guardrails validate: monitoring, key scoping, exports and streams", () => {
  test.each(["audit-monitoring", "audit-monitoring-missing", "enc-key-policy", "enc-exports-streams"])(
    "%s: exit 1, and the text report has a line for each finding of the JSON report",
    (fixture) => {
      const text = runCli(["validate", fixturePlan(fixture)]);
      const json = runCli(["validate", fixturePlan(fixture), "-f", "json"]);
      expect(text.status).toBe(1);
      expect(json.status).toBe(1);
      const violations: Violation[] = JSON.parse(json.stdout).violations;
      expect(violations.length).toBeGreaterThan(0);
      for (const v of violations)
        expect(text.stdout).toMatch(new RegExp(`${literal(v.address)}\\s+${literal(v.rule)}\\s`));
    },
  );

  test("a plan beside its .tf files is read with them: a name the plan alone cannot follow is decided", () => {
    // local.computed_name follows, in the source, to an IAM role's unique_id, which names no table:
    // Contributor Insights is then definitely off. From stdin, without the source, it stays unprovable.
    const rulesOf = (run: { stdout: string }) =>
      (JSON.parse(run.stdout).violations as Violation[])
        .filter((v) => v.address === "aws_dynamodb_table.unprovable_monitoring" && v.rule.startsWith("DDB-AUD-007"))
        .map((v) => v.rule);
    const plan = fixturePlan("audit-monitoring-unprovable");
    expect(rulesOf(runCli(["validate", plan, "-f", "json"]))).toEqual(["DDB-AUD-007"]);
    expect(rulesOf(runCli(["validate", "-", "-f", "json"], { input: readFileSync(plan, "utf8") }))).toEqual([
      "DDB-AUD-007-UNPROVABLE",
    ]);
  });
});
