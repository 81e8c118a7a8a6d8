import { describeLocation, type Formatter } from "./index";
import { verdictReason } from "./verdict";

// Plan values reach the terminal: control characters (escape sequences included) are shown as U+FFFD.
const safe = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\uFFFD");

/**
 * One line per finding (severity, address, rule, message, where) with its fix indented under it
 * (not in compact form), then the verdict line.
 */
export const text: Formatter = (report, _rules, style, context) => {
  const lines = report.violations.flatMap((f) => {
    const where = describeLocation(context, f.address);
    const located = where ? style.dim(` [${where}]`) : "";
    const waived = f.waived ? style.dim(` (waived until ${f.waived.expires}: ${safe(f.waived.reason)})`) : "";
    const line = `${style.severity(f.severity)} ${style.bold(safe(f.address))}  ${f.rule}  ${safe(f.message)}${located}${waived}`;
    return context.compact ? [line] : [line, `         fix: ${safe(f.remediation)}`];
  });
  const { resources, passed } = report.summary;
  const verdict = passed ? style.pass("PASS") : style.fail("FAIL");
  const plural = resources === 1 ? "" : "s";
  lines.push(`${verdict} ${verdictReason(report)} in ${resources} resource${plural} (ddb-guardrails ${report.tool.version}, policies ${report.bundle.version})`);
  return lines.join("\n") + "\n";
};
