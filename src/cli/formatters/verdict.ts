import { GUARDRAILS, SEVERITIES, type Report, type Rule } from "../../engine";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Unwaived findings at or above the --fail-on threshold (they decide the verdict) and below it. */
export function thresholdCounts(report: Report): { atOrAbove: number; below: number } {
  const threshold = SEVERITIES.indexOf(report.summary.failOn);
  const unwaived = report.violations.filter((f) => !f.waived && !f.baselined);
  const atOrAbove = unwaived.filter((f) => SEVERITIES.indexOf(f.severity) <= threshold).length;
  return { atOrAbove, below: unwaived.length - atOrAbove };
}

/**
 * What the verdict rests on, e.g. "7 violations, 1 waived" or, when findings lie below --fail-on,
 * "(no finding at or above critical; 7 below)", so a PASS next to findings explains itself.
 */
export function verdictReason(report: Report): string {
  const { violations, waived, baselined, failOn } = report.summary;
  const waivedNote = `${waived ? `, ${waived} waived` : ""}${baselined ? `, ${baselined} inherited` : ""}`;
  const { atOrAbove, below } = thresholdCounts(report);
  if (below === 0) return `${plural(violations, "violation")}${waivedNote}`;
  if (atOrAbove === 0) return `(no finding at or above ${failOn}; ${below} below${waivedNote})`;
  return `(${plural(atOrAbove, "violation")} at or above ${failOn}; ${below} below${waivedNote})`;
}

/**
 * "12 of 54 rules; fgac skipped" when --rules/--skip-rules left rules out (undefined when all ran), so
 * that a PASS of a partial rule set never reads like a PASS of all of them. Whichever side is shorter
 * is named ("2 of 54 rules; only DDB-ENC-004, DDB-ENC-004-UNPROVABLE ran"): a guardrail whose rules
 * are all on that side by its name, other rules by id.
 */
export function ruleCoverage(report: Report, rules: readonly Rule[]): string | undefined {
  const skipped = report.skippedRules ?? [];
  if (skipped.length === 0) return undefined;
  const ran = report.rules.map((r) => r.id);
  const counts = `${ran.length} of ${ran.length + skipped.length} rules`;
  const ranNames = namesOf(ran, rules);
  const skippedNames = namesOf(skipped, rules);
  return ranNames.length < skippedNames.length
    ? `${counts}; only ${ranNames.join(", ")} ran`
    : `${counts}; ${skippedNames.join(", ")} skipped`;
}

/** Rule ids named briefly: a guardrail all of whose rules are among them by its name, the rest by id. */
function namesOf(ids: readonly string[], rules: readonly Rule[]): string[] {
  const set = new Set(ids);
  const whole = GUARDRAILS.filter((g) => {
    const mine = rules.filter((r) => r.guardrail === g);
    return mine.length > 0 && mine.every((r) => set.has(r.id));
  });
  const guardrailOf = new Map(rules.map((r) => [r.id, r.guardrail]));
  return [...whole, ...ids.filter((id) => !(whole as readonly string[]).includes(guardrailOf.get(id) ?? ""))];
}
