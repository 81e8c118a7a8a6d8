import { describeLocation, loweredNote, type Formatter } from "./index";

// Plan values reach the terminal: control characters (escape sequences included) are shown as U+FFFD.
const safe = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\uFFFD");

/** One line per finding (severity, address, rule, message, where), then a summary line. */
export const text: Formatter = (report, _rules, style, context) => {
  const lines = report.violations.map((f) => {
    const where = describeLocation(context, f.address);
    const located = where ? style.dim(` [${where}]`) : "";
    const waived = f.waived ? style.dim(` (waived until ${f.waived.expires}: ${safe(f.waived.reason)})`) : "";
    const lowered = f.lowered ? style.dim(` (${loweredNote(f.lowered)})`) : "";
    return `${style.severity(f.severity)} ${style.bold(safe(f.address))}  ${f.rule}  ${safe(f.message)}${located}${waived}${lowered}`;
  });
  const { resources, violations, waived } = report.summary;
  const verdict = report.summary.passed ? style.pass("PASS") : style.fail("FAIL");
  const waivedNote = waived ? `, ${waived} waived` : "";
  // A plan with nothing in it passes, and says why rather than "0 violations in 0 resources".
  const counts = resources === 0 && violations === 0 ? "no resources to check" : `${violations} violation${violations === 1 ? "" : "s"}${waivedNote} in ${resources} resource${resources === 1 ? "" : "s"}`;
  lines.push(`${verdict} ${counts} (ddb-guardrails ${report.tool.version}, policies ${report.bundle.version})`);
  return lines.join("\n") + "\n";
};
