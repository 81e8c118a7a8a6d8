import type { Finding, Report, Rule } from "../../engine";
import { baselinedNote, describeLocation, type FormatContext, type Formatter, loweredNote, waivedNote } from "./index";
import { ruleCoverage } from "./verdict";

/**
 * JUnit XML: a testsuite per rule; a failing testcase per resource that breaks it (skipped when
 * waived), and one passing testcase for the rest of the plan. The rules do not declare which
 * resource types they read, so listing every rule × resource pair as "passed" would claim checks
 * that never ran; "no other resource breaks the rule" is what the evaluation really shows.
 */
export const junit: Formatter = (report, rules, _style, context) => {
  const groups = [...ruleCases(report, rules, context), ...notRun(report, rules)];
  return document(
    report,
    totals(groups),
    groups.map((g) => suite(g.name, g)),
    rules,
  );
};

/** Several plans in one run: one suite per plan, holding that plan's testcases of every rule that ran. */
export function junitOfPlans(
  plans: ReadonlyArray<{ input: string; report: Report; context: FormatContext }>,
  rules: readonly Rule[],
): string {
  const groups = plans.map((p) => {
    const byRule = ruleCases(p.report, rules, p.context);
    const { failures, skipped } = totals(byRule);
    return { name: p.input, cases: byRule.flatMap((r) => r.cases), failures, skipped };
  });
  // Every plan of a run is evaluated with the same --rules/--skip-rules.
  const skipped = notRun(plans[0].report, rules);
  return document(
    plans[0].report,
    totals([...groups, ...skipped]),
    [...groups, ...skipped].map((g) => suite(g.name, g)),
    rules,
  );
}

/** A suite of skipped testcases, one per rule --rules/--skip-rules left out: not run is not passed. */
function notRun(report: Report, rules: readonly Rule[]): RuleCases[] {
  const ids = report.skippedRules ?? [];
  if (ids.length === 0) return [];
  const cases = ids.map(
    (id) =>
      `    <testcase classname="${attr(id)}" name="${attr(`${id} was not evaluated`)}"><skipped message="left out by --rules/--skip-rules"/></testcase>`,
  );
  return [{ name: `rules not evaluated (${ruleCoverage(report, rules)})`, cases, failures: 0, skipped: ids.length }];
}

interface RuleCases {
  name: string;
  cases: string[];
  failures: number;
  skipped: number;
}

/** Per rule that ran: a failing testcase per resource that breaks it (skipped when waived), and one passing. */
function ruleCases(report: Report, rules: readonly Rule[], context: FormatContext): RuleCases[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of report.violations) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  // Only the rules that ran (--rules/--skip-rules): a skipped rule must not show up as passed.
  const evaluated = new Set(report.rules.map((r) => r.id));
  const catalog = rules.filter((r) => evaluated.has(r.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return catalog.map((rule) => {
    const findings = byRule.get(rule.id) ?? [];
    const cases = findings.map((f) => {
      const where = describeLocation(context, f.address);
      const body = [
        f.message,
        ...f.evidence.map((e) => `evidence: ${e}`),
        where ? `location: ${where}` : "",
        `remediation: ${f.remediation}`,
      ]
        .filter(Boolean)
        .join("\n");
      const outcome = f.waived
        ? `<skipped message="${attr(waivedNote(f.waived))}"/>`
        : f.lowered
          ? `<skipped message="${attr(loweredNote(f.lowered))}"/>`
          : f.baselined
            ? `<skipped message="${attr(baselinedNote(f.baselined))}"/>`
            : `<failure message="${attr(f.message)}" type="${f.severity}">${text(body)}</failure>`;
      return `    <testcase classname="${attr(rule.id)}" name="${attr(f.address)}">${outcome}</testcase>`;
    });
    cases.push(
      `    <testcase classname="${attr(rule.id)}" name="${attr(`no other resource breaks ${rule.id} (${report.summary.resources} resource${report.summary.resources === 1 ? "" : "s"} in the plan)`)}"/>`,
    );
    const failures = findings.filter((f) => !f.waived && !f.lowered && !f.baselined).length;
    return { name: `${rule.id} ${rule.title}`, cases, failures, skipped: findings.length - failures };
  });
}

function totals(groups: ReadonlyArray<{ cases: readonly string[]; failures: number; skipped: number }>): {
  tests: number;
  failures: number;
  skipped: number;
} {
  const sum = (pick: (g: (typeof groups)[number]) => number) => groups.reduce((n, g) => n + pick(g), 0);
  return { tests: sum((g) => g.cases.length), failures: sum((g) => g.failures), skipped: sum((g) => g.skipped) };
}

function suite(name: string, group: RuleCases): string {
  const head = `  <testsuite name="${attr(name)}" tests="${group.cases.length}" failures="${group.failures}" errors="0" skipped="${group.skipped}">`;
  return `${head}\n${group.cases.join("\n")}\n  </testsuite>`;
}

function document(
  report: Report,
  total: { tests: number; failures: number; skipped: number },
  suites: readonly string[],
  rules: readonly Rule[],
): string {
  const coverage = ruleCoverage(report, rules);
  const name = `ddb-guardrails ${report.tool.version} (policies ${report.bundle.version}${coverage ? `; ${coverage}` : ""})`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${attr(name)}" tests="${total.tests}" failures="${total.failures}" errors="0" skipped="${total.skipped}">`,
    ...suites,
    `</testsuites>`,
    "",
  ].join("\n");
}

// Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/FFFF) become U+FFFD.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
