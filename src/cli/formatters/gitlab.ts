import type { Severity } from "../../engine/types";
import { locate } from "../../runner/locations";
import type { Formatter } from "./index";
import { createHash } from "node:crypto";

/** GitLab Code Quality severities: info, minor, major, critical, blocker. */
const GITLAB_SEVERITY: Record<Severity, string> = { critical: "critical", high: "major", medium: "minor", low: "info" };

/**
 * GitLab Code Quality report (artifacts:reports:codequality): a JSON array of issues, each at a file and
 * line. Waived findings are left out (the format has no suppressions). A resource with no known source
 * points at the plan file, line 1, as GitLab needs a path for every issue. The fingerprint includes the
 * plan: GitLab keeps one issue per fingerprint, and the same address in two stacks is two findings.
 */
export const gitlab: Formatter = (report, _rules, _style, context) => {
  const issues = report.violations
    .filter((f) => !f.waived)
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
  return `${JSON.stringify(issues, null, 2)}\n`;
};

function fingerprint(plan: string, rule: string, address: string): string {
  return createHash("sha256").update(`${plan}\u0000${rule}\u0000${address}`).digest("hex").slice(0, 32);
}
