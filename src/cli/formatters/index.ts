import type { Finding, Report, Rule, Severity, Witness } from "../../engine";
import { locate, type Locations } from "../../runner/locations";
import { gitlab } from "./gitlab";
import { json } from "./json";
import { junit } from "./junit";
import { markdown } from "./markdown";
import { sarif } from "./sarif";
import { text } from "./text";

/** Terminal styling; the plain style is used for files, pipes and NO_COLOR. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  pass(s: string): string;
  fail(s: string): string;
  severity(s: Severity): string;
}

/** What the formatters know besides the report: where each resource is written. */
export interface FormatContext {
  /** Source file/line and CDKTF construct path by resource address. */
  readonly locations: Locations;
  /** The file to point at when a resource has no known source (e.g. the plan file), relative to the cwd. */
  readonly fallbackFile?: string;
  /** The plan as the reports name it (its input); sets one plan's findings apart from another's in a monorepo. */
  readonly plan?: string;
  /** Link to a rule's documentation, if there is one to link to. */
  readonly ruleDocUrl?: (ruleId: string) => string | undefined;
  /** Text: one line per finding, without the fix under it (--compact). */
  readonly compact?: boolean;
}

/** A formatter is a pure function of the report, the rule catalog and the source locations. */
export type Formatter = (report: Report, rules: readonly Rule[], style: Style, context: FormatContext) => string;

export const formatters = { text, json, sarif, junit, markdown, gitlab } satisfies Record<string, Formatter>;
export type FormatName = keyof typeof formatters;
export const FORMAT_NAMES = Object.keys(formatters) as FormatName[];

const SEVERITY_WIDTH = 8;
export const plainStyle: Style = {
  bold: (s) => s,
  dim: (s) => s,
  pass: (s) => s,
  fail: (s) => s,
  severity: (s) => s.toUpperCase().padEnd(SEVERITY_WIDTH),
};

const sgr = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const SEVERITY_COLOUR: Record<Severity, string> = { critical: "1;31", high: "31", medium: "33", low: "36" };
export const colourStyle: Style = {
  bold: sgr("1"),
  dim: sgr("2"),
  pass: sgr("1;32"),
  fail: sgr("1;31"),
  severity: (s) => sgr(SEVERITY_COLOUR[s])(s.toUpperCase().padEnd(SEVERITY_WIDTH)),
};

/** "main.tf:12", "construct app/Table", or both; "" when unknown. */
export function describeLocation(context: FormatContext, address: string): string {
  const loc = locate(context.locations, address);
  if (!loc) return "";
  const parts: string[] = [];
  if (loc.constructPath) parts.push(`construct ${loc.constructPath}`);
  if (loc.file) parts.push(loc.line ? `${loc.file}:${loc.line}` : loc.file);
  return parts.join(", ");
}

/** How every format shows a waived finding: until when, why, and where a waiver in the source is written. */
export function waivedNote(waived: NonNullable<Finding["waived"]>): string {
  return `waived until ${waived.expires}${waived.by ? ` at ${waived.by}` : ""}: ${waived.reason}`;
}

/** How every format shows a finding a baseline records: inherited, not new. */
export function baselinedNote(baselined: NonNullable<Finding["baselined"]>): string {
  return `inherited: in the baseline until ${baselined.expires}: ${baselined.reason}`;
}

/** How every format shows a finding that a severity override let pass, as it shows a waived one. */
export function loweredNote(lowered: NonNullable<Finding["lowered"]>): string {
  return `severity lowered from ${lowered.from} by ${lowered.by}, below --fail-on`;
}

/**
 * A finding's witness in one line, as text, Markdown and SARIF show it:
 * "e.g. role/tenant-api can dynamodb:Scan table/sessions (dynamodb:Select=ALL_ATTRIBUTES)".
 */
export function witnessLine(w: Witness): string {
  const resourceAccount = w.resource.split(":")[4] ?? "";
  const context = Object.keys(w.context)
    .sort()
    .map((k) => {
      const v = w.context[k];
      return `${k}=${typeof v === "string" ? v : `[${v.join(", ")}]`}`;
    });
  const tags = Object.keys(w.principal.tags ?? {})
    .sort()
    .map((k) => `aws:PrincipalTag/${k}=${w.principal.tags?.[k]}`);
  const conditions = [...tags, ...context];
  return `e.g. ${who(w, resourceAccount)} can ${w.action} ${arnResource(w.resource)}${conditions.length ? ` (${conditions.join("; ")})` : ""}`;
}

function who(w: Witness, resourceAccount: string): string {
  const { type, arn, account } = w.principal;
  if (type === "Anonymous") return "anyone (unauthenticated)";
  if (type !== "AWS") return `${type.toLowerCase()} ${arn}`;
  const name = arn.endsWith(":root") || arn === "" ? `account ${account}` : arnResource(arn);
  return account && account !== resourceAccount && !name.startsWith("account ")
    ? `${name} of account ${account}`
    : name;
}

/** "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions" -> "table/sessions"; "*" as it is. */
function arnResource(arn: string): string {
  const parts = arn.split(":");
  return parts.length >= 6 ? parts.slice(5).join(":") : arn;
}
