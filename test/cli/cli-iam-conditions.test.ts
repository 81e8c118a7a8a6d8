// The built CLI with --rules naming one rule, on the fixtures of policies whose conditions look
// restrictive but are not. Which resources each rule flags is held by the Rego tests and
// test/policies/fixture-names.test.ts; here: the option keeps the report to that rule, exit 1,
// stdout the JSON report only.
import { fixturePlan, runCli } from "../helpers/paths";

const cases: [fixture: string, rule: string][] = [
  ["fgac-resource-policy-conditions", "DDB-FGAC-005"],
  ["endpoint-policy-conditions", "DDB-EP-002"],
  ["fgac-partiql-scan", "DDB-FGAC-002"],
  ["fgac-leading-keys-binding", "DDB-FGAC-001"],
];

test.each(cases)("validate %s --rules %s -f json: exit 1, findings of that rule only", (fixture, rule) => {
  const run = runCli(["validate", fixturePlan(fixture), "--rules", rule, "-f", "json"]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(1);
  const rules = new Set(JSON.parse(run.stdout).violations.map((v: { rule: string }) => v.rule));
  expect(rules.size).toBeGreaterThan(0);
  expect([...rules].filter((r) => r !== rule && r !== `${rule}-UNPROVABLE`)).toEqual([]);
});
