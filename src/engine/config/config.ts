import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import configSchema from "./config-schema.json";
import { GuardrailsError } from "../errors";
import { withoutInstanceKeys } from "../plan/address";
import { describeSchemaError, schemaValidator } from "../json-schema";
import { checkParameters } from "./parameters";
import { SEVERITIES } from "../types";
import type { Finding, Rule, Severity, Waiver } from "../types";

/** The project configuration: rule parameters, severity overrides and waivers. */
export interface GuardrailsConfig {
  /** Merged key by key over the policy defaults (data.ddb_guardrails_config.parameters). */
  readonly parameters: Record<string, unknown>;
  /** Severity by rule id, replacing the rule's own. */
  readonly severity: Readonly<Record<string, Severity>>;
  readonly waivers: readonly Waiver[];
  /** Where it was read from, for messages. */
  readonly source?: string;
}

export const CONFIG_FILES = [".ddb-guardrails.yml", ".ddb-guardrails.yaml", ".ddb-guardrails.json"] as const;

// Loaded when a YAML config is read: loading it takes about as long as the rest of reading a small plan.
const yaml = () => require("yaml") as typeof import("yaml");

export const EMPTY_CONFIG: GuardrailsConfig = { parameters: {}, severity: {}, waivers: [] };

const shapeError = schemaValidator(configSchema);

/** The config file in dir, if there is one (first of CONFIG_FILES). */
export function findConfig(dir: string): string | undefined {
  return CONFIG_FILES.map((name) => join(dir, name)).find((file) => existsSync(file));
}

/** The project config: the file given, else the one found in dir, else none. */
export function loadProjectConfig(file: string | undefined, dir: string = process.cwd()): GuardrailsConfig | undefined {
  const path = file ?? findConfig(dir);
  return path ? loadConfig(path) : undefined;
}

/** Reads and checks a config file (YAML or JSON); any defect is a GuardrailsError (exit 2), never ignored. */
export function loadConfig(file: string): GuardrailsConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new GuardrailsError(
      `config ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let value: unknown;
  try {
    // JSON is YAML, but JSON files get JSON's stricter error messages.
    value = file.endsWith(".json") ? JSON.parse(text) : yaml().parse(text, { prettyErrors: false });
  } catch (err) {
    throw new GuardrailsError(
      `config ${file}: is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  return parseConfig(value ?? {}, file);
}

/** Checks a config object (already parsed) against the schema and the waiver rules (`now`: the day waivers are judged). */
export function parseConfig(value: unknown, source = "config", now: Date = new Date()): GuardrailsConfig {
  const e = shapeError(value);
  if (e) {
    const { where, detail } = describeSchemaError(e);
    const hint =
      /^waivers\.\d+(\.reason)?$/.test(where) && /reason|pattern/.test(`${e.message}`)
        ? " (every waiver needs a reason)"
        : "";
    throw new GuardrailsError(`config ${source}: ${where}: ${detail}${hint}`);
  }
  const config = value as Partial<GuardrailsConfig>;
  (config.waivers ?? []).forEach((w, i) => {
    if (!isCalendarDate(w.expires)) {
      throw new GuardrailsError(`config ${source}: waivers.${i}.expires: "${w.expires}" is not a date (YYYY-MM-DD)`);
    }
    checkWaiverScope(w, `config ${source}: waivers.${i}`, now);
  });
  checkParameters(config.parameters ?? {}, source);
  return {
    parameters: config.parameters ?? {},
    severity: config.severity ?? {},
    waivers: config.waivers ?? [],
    source,
  };
}

/** Addresses of every shape a plan has: a glob matching all of them waives the rule for the whole plan. */
const ADDRESS_SHAPES = [
  "aws_dynamodb_table.t",
  "module.a.aws_iam_policy.p",
  'module.a["k"].module.b.aws_vpc_endpoint.e[0]',
  "data.aws_iam_policy_document.d",
];
const LONGEST_WAIVER_OF_ALL_DAYS = 365;

/**
 * A waiver whose glob matches every address (*, **, *_*) switches its rule off for whole plans: it must
 * say so (scope: all) and expire within a year, so that it is a decision with an end, not a typo.
 * Breadth is judged by matching the shapes above, which only works for patterns whose one wildcard is *.
 */
function checkWaiverScope(waiver: Waiver, where: string, now: Date): void {
  const extra = /[{}()!?|\\]/.exec(waiver.address);
  if (waiver.address.includes("*") && extra) {
    throw new GuardrailsError(
      `${where}: address "${waiver.address}" uses glob syntax other than * ("${extra[0]}"); only * and ** are wildcards in a waiver address`,
    );
  }
  const matches = waiverMatcher(waiver.address);
  if (!ADDRESS_SHAPES.every((address) => matches(address))) return;
  const latest = new Date(now.getTime() + LONGEST_WAIVER_OF_ALL_DAYS * 86_400_000).toISOString().slice(0, 10);
  if (waiver.scope !== "all") {
    throw new GuardrailsError(
      `${where}: address "${waiver.address}" matches every resource; add scope: all to waive ${waiver.rule} for the whole plan`,
    );
  }
  if (waiver.expires > latest) {
    throw new GuardrailsError(
      `${where}: a waiver of scope all must expire within a year (by ${latest}), not ${waiver.expires}`,
    );
  }
}

/**
 * A waiver address is a resource address in which * (or **) stands for any run of characters; every
 * other character, brackets and quotes included, is literal. Braces, extglobs and negation are refused
 * where * is used (checkWaiverScope): what such a pattern matches cannot be judged from its spelling.
 */
function waiverMatcher(address: string): (candidate: string) => boolean {
  const source = address
    .split(/\*+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  const pattern = new RegExp(`^${source}$`, "s");
  return (candidate) => pattern.test(candidate);
}

/** Less severe than `threshold`: such a finding does not fail the run. */
function isBelow(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(threshold);
}

export function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Rules named in the config must exist: a typo would otherwise waive or re-rate nothing, silently. */
export function checkConfigRules(config: GuardrailsConfig, rules: readonly Rule[]): void {
  const known = new Set(rules.map((r) => r.id));
  const source = config.source ?? "config";
  for (const id of Object.keys(config.severity)) {
    if (!known.has(id)) throw new GuardrailsError(`config ${source}: severity: unknown rule id "${id}"`);
  }
  config.waivers.forEach((w, i) => {
    if (!known.has(w.rule))
      throw new GuardrailsError(`config ${source}: waivers.${i}.rule: unknown rule id "${w.rule}"`);
  });
}

/**
 * Applies severity overrides and waivers. A waiver covers findings of its rule whose address matches
 * its glob, through its expiry day (UTC); after that the finding counts again and a note says so, as
 * it does for a waiver that matches no finding.
 * An override that lowers a finding below failOn lets it pass like a waiver does: the finding says so.
 */
export function applyConfig(
  findings: readonly Finding[],
  config: GuardrailsConfig,
  now: Date,
  failOn: Severity = "low",
): { findings: Finding[]; notes: string[] } {
  const today = now.toISOString().slice(0, 10);
  const notes = new Set<string>();
  // A waiver recorded as a tag on its resource names that address only, never a pattern; one written
  // on a resource block names every instance of it.
  const matchers = config.waivers.map((w) => ({
    waiver: w,
    matches: w.exact
      ? (address: string) => address === w.address
      : w.instances
        ? (address: string) => withoutInstanceKeys(address) === w.address
        : waiverMatcher(w.address),
  }));
  const used = new Set<Waiver>();
  const out = findings.map((f): Finding => {
    const severity = config.severity[f.rule] ?? f.severity;
    let waived: Finding["waived"];
    for (const { waiver, matches } of matchers) {
      if (waiver.rule !== f.rule || !matches(f.address)) continue;
      used.add(waiver);
      if (waiver.expires < today) {
        notes.add(
          `waiver for ${waiver.rule} on ${named(waiver)} expired on ${waiver.expires}; ${f.address} is reported again`,
        );
        continue;
      }
      waived = { reason: waiver.reason, expires: waiver.expires, ...(waiver.origin ? { by: waiver.origin } : {}) };
      break;
    }
    const { waived: _ignored, lowered: _lowered, ...rest } = f;
    const lowered =
      isBelow(severity, failOn) && !isBelow(f.severity, failOn)
        ? { from: f.severity, by: config.source ?? "config" }
        : undefined;
    return { ...rest, severity, ...(waived ? { waived } : {}), ...(lowered ? { lowered } : {}) };
  });
  // A waiver that matches nothing is a typo, a renamed resource or a fixed finding: say so, it waives nothing.
  for (const waiver of config.waivers) {
    if (!used.has(waiver) && waiver.expires >= today)
      notes.add(`waiver for ${waiver.rule} on ${named(waiver)} matches no finding; it waives nothing`);
  }
  return { findings: out, notes: [...notes].sort() };
}

/** A waiver's address, with where it is written when that is not the config file. */
function named(waiver: Waiver): string {
  return waiver.origin ? `${waiver.address} (${waiver.origin})` : waiver.address;
}
