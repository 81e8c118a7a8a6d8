import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import baselineSchema from "./baseline-schema.json";
import { isCalendarDate } from "./config";
import { GuardrailsError } from "../errors";
import { describeSchemaError, schemaValidator } from "../json-schema";
import { SEVERITIES, type BaselineEntry, type Finding, type Report } from "../types";

/** A baseline file (ddb-guardrails baseline write): the findings of a plan, accepted until `expires`. */
export interface Baseline {
  readonly version: 1;
  readonly reason: string;
  readonly expires: string;
  readonly created: string;
  readonly findings: readonly BaselineEntry[];
}

const shapeError = schemaValidator(baselineSchema);
/** Stale entries a note names; the JSON report and the Markdown section list them all. */
const STALE_NAMED = 3;

/**
 * The fingerprint of a finding: its rule, address and evidence. The message is left out (it may be
 * reworded between versions); the evidence is what was found, so a different violation of the same rule
 * at the same address (another setting, another key) does not match an entry of the old one.
 */
export function findingFingerprint(f: Pick<Finding, "rule" | "address" | "evidence">): string {
  return `sha256:${createHash("sha256")
    .update(JSON.stringify([f.rule, f.address, f.evidence]))
    .digest("hex")}`;
}

/** The baseline of a report: its findings that count (waived ones are accepted already), with a reason and an expiry. */
export function baselineOf(report: Report, reason: string, expires: string, now: Date = new Date()): Baseline {
  const created = checkBaselineTerms(reason, expires, now);
  const findings = report.violations
    .filter((f) => !f.waived)
    .map((f) => ({ rule: f.rule, address: f.address, fingerprint: findingFingerprint(f), message: f.message }));
  return { version: 1, reason, expires, created, findings };
}

/** A reason and an expiry a baseline can be written with (a day that has not passed); returns today. */
export function checkBaselineTerms(reason: string, expires: string, now: Date = new Date()): string {
  const today = now.toISOString().slice(0, 10);
  if (!reason.trim()) throw new GuardrailsError("baseline write: --reason must say why these findings are accepted");
  if (!isCalendarDate(expires))
    throw new GuardrailsError(`baseline write: --expires "${expires}" is not a date (YYYY-MM-DD)`);
  if (expires < today) throw new GuardrailsError(`baseline write: --expires ${expires} is in the past`);
  return today;
}

/** Reads and checks a baseline file; a malformed or expired one is a GuardrailsError (exit 2), never ignored. */
export function loadBaseline(file: string, now: Date = new Date()): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new GuardrailsError(
      `baseline ${file}: ${e.code ? `cannot read: ${e.code}` : `is not valid JSON: ${e.message.split("\n")[0]}`}`,
    );
  }
  const e = shapeError(value);
  if (e) {
    const { where, detail } = describeSchemaError(e);
    throw new GuardrailsError(`baseline ${file}: ${where}: ${detail}`);
  }
  const baseline = value as Baseline;
  for (const key of ["expires", "created"] as const) {
    if (!isCalendarDate(baseline[key]))
      throw new GuardrailsError(`baseline ${file}: ${key}: "${baseline[key]}" is not a date (YYYY-MM-DD)`);
  }
  const today = now.toISOString().slice(0, 10);
  if (baseline.expires < today) {
    throw new GuardrailsError(
      `baseline ${file}: expired on ${baseline.expires}; review its findings and write a new one (baseline write), or drop --baseline`,
    );
  }
  return baseline;
}

/**
 * Marks the findings a baseline records as inherited and judges the verdict on the others: a finding
 * matches an entry of the same rule, address and fingerprint. Entries that match nothing are stale.
 */
export function applyBaseline(report: Report, baseline: Baseline, file: string): Report {
  const entries = new Map(baseline.findings.map((e) => [`${e.rule}\u0000${e.address}\u0000${e.fingerprint}`, e]));
  const matched = new Set<BaselineEntry>();
  const notes: string[] = [];
  const violations = report.violations.map((f): Finding => {
    if (f.waived) return f;
    const entry = entries.get(`${f.rule}\u0000${f.address}\u0000${findingFingerprint(f)}`);
    if (!entry) {
      if (baseline.findings.some((e) => e.rule === f.rule && e.address === f.address))
        notes.push(`${f.rule} on ${f.address}: the evidence differs from the baseline's entry; reported as new`);
      return f;
    }
    matched.add(entry);
    return { ...f, baselined: { reason: baseline.reason, expires: baseline.expires } };
  });
  const stale = baseline.findings.filter((e) => !matched.has(e));
  if (stale.length) {
    const named = stale.slice(0, STALE_NAMED).map((e) => `${e.rule} on ${e.address}`);
    const more = stale.length > STALE_NAMED ? `, and ${stale.length - STALE_NAMED} more (all in the JSON report)` : "";
    notes.push(
      `${stale.length} baseline entr${stale.length === 1 ? "y matches" : "ies match"} no finding (stale): ${named.join(", ")}${more}`,
    );
  }
  const threshold = SEVERITIES.indexOf(report.summary.failOn);
  const counted = violations.filter((f) => !f.waived && !f.baselined);
  return {
    ...report,
    summary: {
      ...report.summary,
      violations: counted.length,
      baselined: violations.length - counted.length - report.summary.waived,
      passed: counted.every((f) => SEVERITIES.indexOf(f.severity) > threshold),
    },
    violations,
    ...(report.notes?.length || notes.length ? { notes: [...(report.notes ?? []), ...notes] } : {}),
    review: {
      ...report.review,
      baseline: { file, reason: baseline.reason, expires: baseline.expires, matched: matched.size, stale },
    },
  };
}
