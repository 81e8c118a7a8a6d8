// The built CLI on real plans of policies whose conditions look restrictive but are not (issue classes:
// public resource policies, open endpoint policies, full-table PartiQL reads, LeadingKeys that bind
// nothing): every invalid_* policy holder of each fixture is flagged by its rule, no valid_* one is.
import { readFileSync } from "node:fs";
import { fixturePlan, runCli } from "../helpers/paths";

const cases: [fixture: string, rule: string][] = [
  ["fgac-resource-policy-conditions", "DDB-FGAC-005"],
  ["endpoint-policy-conditions", "DDB-EP-002"],
  ["fgac-partiql-scan", "DDB-FGAC-002"],
  ["fgac-leading-keys-binding", "DDB-FGAC-001"],
];

/** The addresses of the plan's resources named <prefix>_*, whatever their module. */
function named(fixture: string, prefix: "valid" | "invalid"): string[] {
  const plan = JSON.parse(readFileSync(fixturePlan(fixture), "utf8"));
  const pattern = new RegExp(`(^|\\.)${prefix}_[^.]*$`);
  return plan.resource_changes.map((c: { address: string }) => c.address).filter((a: string) => pattern.test(a));
}

describe.each(cases)("validate %s", (fixture, rule) => {
  const run = runCli(["validate", fixturePlan(fixture), "--rules", rule, "-f", "json"]);
  const flagged = () =>
    [...new Set(JSON.parse(run.stdout).violations.map((v: { address: string }) => v.address))].sort();

  test(`exits 1 with ${rule} on every invalid_* resource and none other`, () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    expect(flagged()).toEqual(named(fixture, "invalid").sort());
    expect(JSON.parse(run.stdout).violations.every((v: { rule: string }) => v.rule === rule)).toBe(true);
  });

  test("the fixture has compliant variants, and none is flagged", () => {
    const valid = named(fixture, "valid");
    expect(valid.length).toBeGreaterThan(1);
    expect(flagged().filter((address) => valid.includes(address as string))).toEqual([]);
  });
});
