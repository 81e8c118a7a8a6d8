import type { Report, Rule, Severity } from "../../engine/types";
import { json } from "./json";
import { text } from "./text";

/** Terminal styling; the plain style is used for files, pipes and NO_COLOR. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  pass(s: string): string;
  fail(s: string): string;
  severity(s: Severity): string;
}

/** A formatter is a pure function of the report and the rule catalog. */
export type Formatter = (report: Report, rules: readonly Rule[], style: Style) => string;

export const formatters = { text, json } satisfies Record<string, Formatter>;
export type FormatName = keyof typeof formatters;

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
