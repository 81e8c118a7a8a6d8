import { SEVERITIES, type Report } from "../../engine/types";

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
