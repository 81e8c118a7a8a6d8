import { isCalendarDate } from "../config/config";
import { GuardrailsError } from "../errors";
import type { Waiver } from "../types";
import { lineOf, type SourceModule } from "./files";

/** The marker of a waiver written as a comment in the Terraform source. */
export const WAIVER_COMMENT = "ddb-guardrails:waive";
const USAGE = `write # ${WAIVER_COMMENT} <rule id> until=YYYY-MM-DD reason="why"`;
/**
 * A line comment (# or //) that is a waiver: the marker right after the comment sign. On a line of
 * its own, only a comment that starts with the marker is one (prose may mention it).
 */
const COMMENT = new RegExp(`(?:#|//)\\s*${WAIVER_COMMENT}(?=\\s|$)(.*)$`);
const OWN_LINE_WAIVER = new RegExp(`^\\s*(?:#|//)\\s*${WAIVER_COMMENT}(?=\\s|$)`);
const OWN_LINE = /^\s*(?:#|\/\/)/;
const RESOURCE = /^\s*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{/;

/**
 * Waivers written as comments on a resource block's first line or on the comment lines directly above
 * it: `# ddb-guardrails:waive DDB-AUD-007 until=2027-03-31 reason="..."` (also `//`). Each covers its
 * rule on every instance of that resource (count, for_each, module instances) until its last day.
 * A waiver comment anywhere else, or one without a rule, an expiry or a reason, is an error naming
 * file:line: a comment that waives nothing must not look as if it did. JSON files have no comments.
 */
export function waiversFromComments(modules: readonly SourceModule[]): Waiver[] {
  const waivers: Waiver[] = [];
  for (const module of modules) {
    for (const file of module.files) {
      if (file.path.endsWith(".json")) continue;
      file.lines.forEach((line, i) => {
        const comment = COMMENT.exec(line);
        if (!comment || (OWN_LINE.test(line) && !OWN_LINE_WAIVER.test(line))) return;
        const where = lineOf(file, /^/, i);
        const resource = OWN_LINE.test(line)
          ? resourceBelow(file.lines, i)
          : RESOURCE.exec(line.slice(0, comment.index));
        if (!resource)
          throw new WaiverCommentError(
            `${where}: a ${WAIVER_COMMENT} comment must be on or directly above a resource block`,
          );
        const [, type, name] = resource;
        const address = `${module.path ? `${module.path}.` : ""}${type}.${name}`;
        waivers.push({ ...parseWaiver(comment[1], where), address, origin: where, instances: true });
      });
    }
  }
  return waivers;
}

/** The resource block under a run of comment lines starting at line i, if the run ends on one. */
function resourceBelow(lines: readonly string[], i: number): RegExpExecArray | null {
  let next = i + 1;
  while (next < lines.length && OWN_LINE.test(lines[next])) next += 1;
  return next < lines.length ? RESOURCE.exec(lines[next]) : null;
}

/** `<rule> until=YYYY-MM-DD reason="..."` (in any order after the rule). */
function parseWaiver(text: string, where: string): Pick<Waiver, "rule" | "expires" | "reason"> {
  const rule = /^\s*([A-Za-z0-9][A-Za-z0-9-]*)(?=\s|$)/.exec(text);
  if (!rule || rule[1].includes("=")) throw new WaiverCommentError(`${where}: the waiver names no rule; ${USAGE}`);
  const fields = new Map<string, string>();
  let rest = text.slice(rule[0].length).trim();
  while (rest) {
    const field = /^([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))(?:\s+|$)/.exec(rest);
    if (!field || fields.has(field[1]) || !["until", "reason"].includes(field[1]))
      throw new WaiverCommentError(
        `${where}: cannot read "${rest.split(/\s/)[0]}" in the waiver of ${rule[1]}; ${USAGE}`,
      );
    fields.set(field[1], field[2] !== undefined ? field[2].replace(/\\(.)/g, "$1") : field[3]);
    rest = rest.slice(field[0].length);
  }
  const expires = fields.get("until");
  if (expires === undefined)
    throw new WaiverCommentError(
      `${where}: the waiver of ${rule[1]} has no expiry; add until=YYYY-MM-DD (its last day)`,
    );
  if (!isCalendarDate(expires))
    throw new WaiverCommentError(`${where}: until=${expires} in the waiver of ${rule[1]} is not a date (YYYY-MM-DD)`);
  const reason = fields.get("reason")?.trim();
  if (!reason) throw new WaiverCommentError(`${where}: the waiver of ${rule[1]} has no reason; add reason="why"`);
  return { rule: rule[1], expires, reason };
}

/** A waiver comment that cannot be read: reported as it is, naming file:line. */
export class WaiverCommentError extends GuardrailsError {}
