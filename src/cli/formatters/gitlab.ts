import type { Severity } from "../../engine";
import { locate } from "../../runner/locations";
import type { Formatter } from "./index";
import { fingerprint } from "./sarif";
import { ruleCoverage } from "./verdict";

/** GitLab Code Quality severities: info, minor, major, critical, blocker. */
const GITLAB_SEVERITY: Record<Severity, string> = { critical: "critical", high: "major", medium: "minor", low: "info" };

/**
 * GitLab Code Quality report (artifacts:reports:codequality): a JSON array of issues, each at a file and
 * line. Waived and inherited (baseline) findings are left out (the format has no suppressions). A
 * resource with no known source points at the plan file, line 1, as GitLab needs a path for every
 * issue. The fingerprint includes the plan: GitLab keeps one issue per fingerprint, and the same
 * address in two stacks is two findings.
 */
export const gitlab: Formatter = (report, rules, _style, context) => {
  const issues = report.violations
    .filter((f) => !f.waived && !f.baselined)
    .map((f) => {
      const where = locate(context.locations, f.address);
      const path = where?.file ?? context.fallbackFile ?? ".";
      return {
        description: `${f.address}: ${f.message}. Fix: ${f.remediation}`,
        check_name: f.rule,
        fingerprint: fingerprint(context.plan ?? "", f.rule, f.address),
        severity: GITLAB_SEVERITY[f.severity],
        location: { path, lines: { begin: where?.file ? (where.line ?? 1) : 1 } },
      };
    });
  // The format has no run metadata: a partial rule set is an info issue, so the merge request shows it.
  const coverage = ruleCoverage(report, rules);
  const partial = coverage
    ? [
        {
          description: `Partial rule set: ${coverage}; their findings are not reported.`,
          check_name: "ddb-guardrails-partial-rule-set",
          fingerprint: fingerprint("ddb-guardrails-partial-rule-set", (report.skippedRules ?? []).join(",")),
          severity: "info",
          location: { path: context.fallbackFile ?? ".", lines: { begin: 1 } },
        },
      ]
    : [];
  return `${JSON.stringify([...issues, ...partial], null, 2)}\n`;
};
