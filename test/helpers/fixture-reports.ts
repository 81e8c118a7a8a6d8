import { loadBundle, readPlan, validatePlan, type Finding, type Report } from "../../src/engine";
import { fixturePlan } from "./paths";

/**
 * Reports of the compiled bundle on fixture plans, one evaluation per fixture: policy suites ask
 * several questions of the same report. `parameters` gives a fixture the rule parameters a team would set.
 */
export function fixtureReports(
  guardrail?: Finding["guardrail"],
  parameters?: (fixture: string) => Record<string, unknown> | undefined,
) {
  const bundle = loadBundle();
  const reports = new Map<string, Report>();
  const report = (name: string): Report => {
    if (!reports.has(name))
      reports.set(name, validatePlan(readPlan(fixturePlan(name)), { bundle, parameters: parameters?.(name) }));
    return reports.get(name)!;
  };
  /** The findings of one fixture (of the guardrail, when given). */
  const violations = (name: string): Finding[] =>
    report(name).violations.filter((f) => !guardrail || f.guardrail === guardrail);
  /** "<rule> <address>" of every finding, sorted. */
  const findings = (name: string): string[] =>
    violations(name)
      .map((f) => `${f.rule} ${f.address}`)
      .sort();
  return { bundle, report, violations, findings };
}
