// The engine evaluates large plans in the passes of policies/passes.rego: a rule left out of them would
// never be evaluated on a large plan, a rule in both would be evaluated twice.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { evalPolicies } from "../helpers/opa";
import { ROOT } from "../helpers/paths";

function rulePackages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return rulePackages(join(dir, e.name));
    if (!e.name.endsWith(".rego") || e.name.endsWith("_test.rego")) return [];
    const name = readFileSync(join(dir, e.name), "utf8").match(/^package ddb_guardrails\.rules\.(\w+)\.(\w+)$/m);
    return name ? [`${name[1]}.${name[2]}`] : [];
  });
}

test("every rule package is in exactly one evaluation pass", () => {
  const passes = evalPolicies<Record<string, [string, string][]>>("data.ddb_guardrails.main.passes");
  const inPasses = Object.values(passes).flatMap((rules) => rules.map(([guardrail, rule]) => `${guardrail}.${rule}`));
  const packages = rulePackages(join(ROOT, "policies"));
  expect(packages.length).toBeGreaterThan(20);
  expect(inPasses.sort()).toEqual(packages.sort()); // sorted lists: a rule in two passes appears twice
});
