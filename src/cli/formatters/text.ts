import { changedOnlyNote } from "../review";
import { baselinedNote, describeLocation, loweredNote, waivedNote, witnessLine, type Formatter } from "./index";
import { ruleCoverage, verdictReason } from "./verdict";

// Plan values reach the terminal: control characters (escape sequences included) are shown as U+FFFD.
const safe = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\uFFFD");

/**
 * One line per finding (severity, address, rule, message, where) with the request that gets
 * through and its fix indented under it (not in compact form), then the verdict line.
 */
export const text: Formatter = (report, rules, style, context) => {
  const lines = report.violations.flatMap((f) => {
    const where = describeLocation(context, f.address);
    const located = where ? style.dim(` [${where}]`) : "";
    const waived = f.waived ? style.dim(` (${safe(waivedNote(f.waived))})`) : "";
    const lowered = f.lowered ? style.dim(` (${loweredNote(f.lowered)})`) : "";
    const inherited = f.baselined ? style.dim(` (${safe(baselinedNote(f.baselined))})`) : "";
    const line = `${style.severity(f.severity)} ${style.bold(safe(f.address))}  ${f.rule}  ${safe(f.message)}${located}${waived}${lowered}${inherited}`;
    if (context.compact) return [line];
    const witness = f.witness ? [`         ${safe(witnessLine(f.witness))}`] : [];
    return [line, ...witness, `         fix: ${safe(f.remediation)}`];
  });
  const hidden = changedOnlyNote(report.review?.changedOnly);
  if (hidden) lines.push(style.dim(hidden));
  const { resources, violations, passed } = report.summary;
  const verdict = passed ? style.pass("PASS") : style.fail("FAIL");
  const plural = resources === 1 ? "" : "s";
  // A plan with nothing in it passes, and says why rather than "0 violations in 0 resources".
  const counts =
    resources === 0 && violations === 0
      ? "no resources to check"
      : `${verdictReason(report)} in ${resources} resource${plural}`;
  const coverage = ruleCoverage(report, rules);
  lines.push(
    `${verdict}${coverage ? ` (${coverage})` : ""} ${counts} (ddb-guardrails ${report.tool.version}, policies ${report.bundle.version})`,
  );
  return `${lines.join("\n")}\n`;
};
