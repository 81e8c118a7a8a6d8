import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import Ajv from "ajv";
import planSchema from "./plan-schema.json";
import { GuardrailsError } from "./errors";

/** A `terraform show -json` plan, checked for the shape the guardrails read. */
export type Plan = Record<string, unknown> & {
  format_version: string;
  resource_changes?: Array<{ address: string; mode: string; type: string; name: string }>;
};

export interface PlanLimits {
  /** Largest plan accepted, in bytes. @default 256 MiB */
  readonly maxBytes?: number;
  /** Deepest JSON nesting accepted. @default 100 */
  readonly maxDepth?: number;
}

export const DEFAULT_LIMITS: Required<PlanLimits> = { maxBytes: 256 * 1024 * 1024, maxDepth: 100 };

const validateShape = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(planSchema);
const ZIP_MAGIC = Buffer.from("PK\u0003\u0004", "latin1");

/**
 * Reads a plan from a JSON file, "-" (stdin), or a binary saved plan (converted with
 * `terraform show -json`). Throws GuardrailsError for anything that is not a usable plan.
 */
export function readPlan(source: string, limits: PlanLimits = {}): Plan {
  const max = limits.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  let bytes: Buffer;
  try {
    if (source !== "-" && statSync(source).size > max) {
      throw new GuardrailsError(`${source}: plan is larger than the limit of ${max} bytes (--max-bytes)`);
    }
    bytes = readFileSync(source === "-" ? 0 : source);
  } catch (err) {
    if (err instanceof GuardrailsError) throw err;
    throw new GuardrailsError(`${source}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (bytes.length > max) throw new GuardrailsError(`${source}: plan is larger than the limit of ${max} bytes (--max-bytes)`);
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) {
    if (source === "-") throw new GuardrailsError("stdin: a binary saved plan must be passed as a file path");
    return parsePlan(showSavedPlan(source), source, limits);
  }
  return parsePlan(bytes.toString("utf8"), source === "-" ? "stdin" : source, limits);
}

/** Converts a binary saved plan with the terraform on PATH (or $TERRAFORM). */
export function showSavedPlan(file: string): string {
  const terraform = process.env.TERRAFORM ?? "terraform";
  try {
    return execFileSync(terraform, ["show", "-json", "-no-color", file], {
      encoding: "utf8",
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
      env: { CHECKPOINT_DISABLE: "1", ...process.env },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new GuardrailsError(`${file}: is a binary saved plan, and terraform is not installed (needed to read it)`);
    const detail = (e.stderr ?? "").trim().split("\n").filter(Boolean).slice(-1)[0] ?? e.message;
    throw new GuardrailsError(`${file}: terraform show -json failed: ${detail}`);
  }
}

export function parsePlan(text: string, name: string, limits: PlanLimits = {}): Plan {
  if (text.trim() === "") throw new GuardrailsError(`${name}: is empty, not a terraform plan`);
  const maxDepth = limits.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const depth = nestingDepth(text);
  if (depth > maxDepth) throw new GuardrailsError(`${name}: JSON nesting depth ${depth} exceeds the limit of ${maxDepth} (--max-depth)`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GuardrailsError(`${name}: is not valid JSON (${(err as Error).message}); expected the output of terraform show -json`);
  }
  return checkPlan(value, name);
}

export function checkPlan(value: unknown, name: string): Plan {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("format_version" in value)) {
    throw new GuardrailsError(`${name}: is not a terraform plan (no format_version); expected the output of terraform show -json`);
  }
  if (!validateShape(value)) {
    const e = validateShape.errors![0];
    throw new GuardrailsError(`${name}: is not a terraform plan this tool can read: ${e.instancePath || "(root)"} ${e.message}`);
  }
  const plan = value as Plan;
  if (plan.errored === true) throw new GuardrailsError(`${name}: terraform reported errors while planning (errored: true); fix the plan first`);
  if (!plan.resource_changes && declaresResources(plan)) {
    throw new GuardrailsError(`${name}: has no resource_changes although its configuration declares resources (truncated or not a plan?)`);
  }
  const seen = new Set<string>();
  for (const change of plan.resource_changes ?? []) {
    if (seen.has(change.address)) throw new GuardrailsError(`${name}: resource address ${change.address} appears twice in resource_changes`);
    seen.add(change.address);
  }
  return plan;
}

function declaresResources(plan: Plan): boolean {
  const root = (plan.configuration as { root_module?: { resources?: unknown[]; module_calls?: object } } | undefined)?.root_module;
  return (root?.resources?.length ?? 0) > 0 || Object.keys(root?.module_calls ?? {}).length > 0;
}

/** Deepest nesting of arrays and objects, counted without parsing (so a hostile plan cannot blow the stack). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) deepest = Math.max(deepest, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}
