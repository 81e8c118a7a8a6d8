import { createHash } from "node:crypto";
import { SEVERITIES, type Finding, type Report, type Rule, type Severity } from "../engine";
import { code, escapeMarkdown } from "../cli/formatters/markdown";
import { loweredNote } from "../cli/formatters";
import { ruleCoverage, thresholdCounts, verdictReason } from "../cli/formatters/verdict";

/**
 * The body of the PATCH to a run task's task_result_callback_url (HCP Terraform / Terraform
 * Enterprise run task integration API, JSON:API): the verdict, a one-line message, and an outcome per
 * finding when the platform accepts outcomes (the request's capabilities.outcomes).
 */
export interface TaskResult {
  readonly data: {
    readonly type: "task-results";
    readonly attributes: { readonly status: "passed" | "failed"; readonly message: string };
    readonly relationships?: { readonly outcomes: { readonly data: readonly Outcome[] } };
  };
}

type Level = "none" | "info" | "warning" | "error";
interface Tag {
  readonly label: string;
  readonly level: Level;
}

export interface Outcome {
  readonly type: "task-result-outcomes";
  readonly attributes: {
    readonly "outcome-id": string;
    readonly description: string;
    readonly body: string;
    readonly url?: string;
    readonly tags: Readonly<Record<string, readonly Tag[]>>;
  };
}

/** Outcomes sent for one run, the findings that decide the verdict first (a cap of ours, not the API's). */
export const MAX_OUTCOMES = 100;
const MAX_DESCRIPTION = 200;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The task result of a report: passed or failed as the report's verdict (--fail-on) says. */
export function taskResult(
  report: Report,
  rules: readonly Rule[],
  options: { readonly outcomes: boolean; readonly ruleDocUrl?: (id: string) => string | undefined },
): TaskResult {
  const { passed, resources } = report.summary;
  const ranked = [...report.violations].sort((a, b) => rank(a, report) - rank(b, report));
  const sent = options.outcomes ? ranked.slice(0, MAX_OUTCOMES) : [];
  const parts = [
    report.violations.length === 0
      ? `${passed ? "Passed" : "Failed"}: no findings in ${plural(resources, "resource")}`
      : `${passed ? "Passed" : "Failed"}${thresholdCounts(report).below ? " " : ": "}${verdictReason(report)} in ${plural(resources, "resource")}`,
  ];
  const coverage = ruleCoverage(report, rules);
  if (coverage) parts.push(`partial rule set: ${coverage}`);
  if (sent.length < ranked.length && options.outcomes)
    parts.push(`the first ${sent.length} of ${ranked.length} findings are listed`);
  // Without outcomes the notes (an expired waiver...) can only go in the message.
  if (!options.outcomes) for (const note of report.notes ?? []) parts.push(`note: ${note}`);
  const message = `${parts.join("; ")} (ddb-guardrails ${report.tool.version}, policies ${report.bundle.version})`;
  const outcomes = sent.map((f) => outcome(f, report, rules, options.ruleDocUrl));
  if (options.outcomes && report.notes?.length) outcomes.push(notesOutcome(report.notes));
  return {
    data: {
      type: "task-results",
      attributes: { status: passed ? "passed" : "failed", message },
      ...(options.outcomes ? { relationships: { outcomes: { data: outcomes } } } : {}),
    },
  };
}

/** A run that could not be judged: failed, never passed, with the reason. */
export function failedResult(reason: string): TaskResult {
  return {
    data: {
      type: "task-results",
      attributes: { status: "failed", message: `ddb-guardrails could not judge this plan: ${reason}` },
    },
  };
}

/** 0: decides the verdict, 1: below --fail-on, 2: waived. */
function rank(f: Finding, report: Report): number {
  if (f.waived) return 2;
  return SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(report.summary.failOn) && !f.lowered ? 0 : 1;
}

function status(f: Finding, report: Report): Tag {
  if (f.waived) return { label: `Waived until ${f.waived.expires}`, level: "info" };
  return rank(f, report) === 0 ? { label: "Failed", level: "error" } : { label: "Below fail-on", level: "warning" };
}

const SEVERITY_LEVEL: Record<Severity, Level> = { critical: "error", high: "error", medium: "warning", low: "info" };

function outcome(
  f: Finding,
  report: Report,
  rules: readonly Rule[],
  ruleDocUrl?: (id: string) => string | undefined,
): Outcome {
  const rule = rules.find((r) => r.id === f.rule);
  const body = [
    `**${f.severity.toUpperCase()}** \`${f.rule}\` ${escapeMarkdown(f.message)}`,
    "",
    `Resource: ${code(f.address)}`,
    ...(rule ? ["", `Rule: ${escapeMarkdown(rule.title)}`] : []),
    "",
    "Evidence:",
    ...f.evidence.map((e) => `- ${code(e)}`),
    "",
    `Fix: ${escapeMarkdown(f.remediation)}`,
  ];
  if (f.waived) body.push("", `Waived until ${f.waived.expires}: ${escapeMarkdown(f.waived.reason)}`);
  if (f.lowered) body.push("", escapeMarkdown(loweredNote(f.lowered)));
  const url = ruleDocUrl?.(f.rule);
  const description = `${f.address}: ${f.message}`;
  return {
    type: "task-result-outcomes",
    attributes: {
      // Stable across runs of the same finding (rule, address and evidence), like the report's fingerprints.
      "outcome-id": `${f.rule}-${createHash("sha256")
        .update(JSON.stringify([f.rule, f.address, f.evidence]))
        .digest("hex")
        .slice(0, 16)}`,
      description: description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 1)}…` : description,
      body: `${body.join("\n")}\n`,
      ...(url ? { url } : {}),
      tags: {
        Status: [status(f, report)],
        Severity: [{ label: f.severity[0].toUpperCase() + f.severity.slice(1), level: SEVERITY_LEVEL[f.severity] }],
        Guardrail: [{ label: f.guardrail, level: "none" }],
      },
    },
  };
}

function notesOutcome(notes: readonly string[]): Outcome {
  return {
    type: "task-result-outcomes",
    attributes: {
      "outcome-id": "notes",
      description: "How the report was made (waivers, config)",
      body: `${notes.map((n) => `- ${escapeMarkdown(n)}`).join("\n")}\n`,
      tags: { Status: [{ label: "Note", level: "info" }] },
    },
  };
}
