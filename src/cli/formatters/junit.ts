import type { Finding } from "../../engine/types";
import { describeLocation, loweredNote, type Formatter } from "./index";

/**
 * JUnit XML: a testsuite per rule; a failing testcase per resource that breaks it (skipped when
 * waived), and one passing testcase for the rest of the plan. The rules do not declare which
 * resource types they read, so listing every rule × resource pair as "passed" would claim checks
 * that never ran; "no other resource breaks the rule" is what the evaluation really shows.
 */
export const junit: Formatter = (report, rules, _style, context) => {
  const byRule = new Map<string, Finding[]>();
  for (const f of report.violations) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  // Only the rules that ran (--rules/--skip-rules): a skipped rule must not show up as passed.
  const evaluated = new Set(report.rules.map((r) => r.id));
  const catalog = rules.filter((r) => evaluated.has(r.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const rule of catalog) {
    const findings = byRule.get(rule.id) ?? [];
    const cases = findings.map((f) => {
      const where = describeLocation(context, f.address);
      const body = [f.message, ...f.evidence.map((e) => `evidence: ${e}`), where ? `location: ${where}` : "", `remediation: ${f.remediation}`].filter(Boolean).join("\n");
      const outcome = f.waived
        ? `<skipped message="${attr(`waived until ${f.waived.expires}: ${f.waived.reason}`)}"/>`
        : f.lowered
          ? `<skipped message="${attr(loweredNote(f.lowered))}"/>`
          : `<failure message="${attr(f.message)}" type="${f.severity}">${text(body)}</failure>`;
      return `    <testcase classname="${attr(rule.id)}" name="${attr(f.address)}">${outcome}</testcase>`;
    });
    cases.push(`    <testcase classname="${attr(rule.id)}" name="${attr(`no other resource breaks ${rule.id} (${report.summary.resources} resource${report.summary.resources === 1 ? "" : "s"} in the plan)`)}"/>`);
    const suiteFailures = findings.filter((f) => !f.waived && !f.lowered).length;
    const suiteSkipped = findings.length - suiteFailures;
    tests += cases.length;
    failures += suiteFailures;
    skipped += suiteSkipped;
    suites.push(
      `  <testsuite name="${attr(`${rule.id} ${rule.title}`)}" tests="${cases.length}" failures="${suiteFailures}" errors="0" skipped="${suiteSkipped}">\n${cases.join("\n")}\n  </testsuite>`,
    );
  }
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="ddb-guardrails ${attr(report.tool.version)} (policies ${attr(report.bundle.version)})" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...suites,
    `</testsuites>`,
    "",
  ].join("\n");
};

// Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/FFFF) become U+FFFD.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
