import { statSync } from "node:fs";
import { validate as planShape } from "./plan-validator";
import { isInstanceOf } from "./address";
import { GuardrailsError } from "../errors";
import { compiledValidator } from "../json-schema";
import { blockOf, checkConsistency } from "./consistency";
import { decodePlanText, withoutByteOrderMark } from "./plan-text";
import { readBounded } from "./read-bounded";
import { blockSchema, checkResourceValues, nestedBlock, type Block } from "./resource-schema";
import { jsonShape, leastParsedBytes, overflowingNumber, parsedCheck, scanJson, type JsonShape } from "./strict-json";
import { DEFAULT_MAX_MEMORY_MIB, raiseOrSplit } from "../policy/bundle";
import { collectGarbage } from "../policy/collect-garbage";
import type { ConfigModule, Plan, ResourceChange } from "./types";

export interface PlanLimits {
  /** Largest plan accepted, in bytes. @default 256 MiB */
  readonly maxBytes?: number;
  /** Deepest JSON nesting accepted. @default 100 */
  readonly maxDepth?: number;
  /**
   * The memory limit of the whole process (--max-memory), in MiB: a plan is refused before it is parsed
   * when what the process holds (its text read) and what its parsed form needs at the least
   * (leastParsedBytes) add up to more. @default none: its parsed form alone is held to 2048 MiB
   */
  readonly maxMemoryMiB?: number;
}

export const DEFAULT_LIMITS: Required<PlanLimits> = {
  maxBytes: 256 * 1024 * 1024,
  maxDepth: 100,
  maxMemoryMiB: DEFAULT_MAX_MEMORY_MIB,
};

/**
 * From this size of plan text (about 40,000 resources) its bytes are collected before it is parsed: at
 * 100,000 resources that took the peak of reading from 704 to 531 MB; at 10,000 the collection cost
 * more time than the memory was worth.
 */
const COLLECT_BYTES_BEFORE_PARSING = 64 * 1024 * 1024;

// plan-schema.json, compiled by scripts/generate/plan-validator.js.
const shapeError = compiledValidator(planShape);
const ZIP_MAGIC = Buffer.from("PK\u0003\u0004", "latin1");

/**
 * Converts a binary saved plan (a file) to its JSON, refusing more than maxBytes of it. The runner's
 * showSavedPlan runs `terraform show -json`: the engine itself starts no process.
 */
export type SavedPlanReader = (file: string, maxBytes: number) => string;

/**
 * Reads a plan from a JSON file, "-" (stdin), or a binary saved plan (converted by `savedPlan`; refused
 * without it). Throws GuardrailsError for anything that is not a usable plan.
 */
export function readPlan(source: string, limits: PlanLimits = {}, savedPlan?: SavedPlanReader): Plan {
  return read(source, limits, savedPlan, false);
}

/**
 * From this size of plan text (about 2,500 resources of a real stack) up to COLLECT_BYTES_BEFORE_PARSING,
 * readPlanDeferringChecks leaves the checks of the parsed plan for later.
 */
const DEFER_CHECKS_FROM_BYTES = 4 * 1024 * 1024;

/**
 * readPlan for a caller that evaluates the plan in worker threads (validatePlanInWorker): the checks of
 * a large plan once it is parsed (its numbers and keys, then checkPlan) are left to its DeferredChecks
 * (planChecks), which the evaluation makes while its threads evaluate, and before it reports. At 10,000
 * resources they took the main thread 0.2 s, which the evaluation threads waited for. Whatever fails on
 * the plan before then must make them first (`now`): their refusal is the one to report. Until then the
 * plan and its text stay held, so a plan of COLLECT_BYTES_BEFORE_PARSING and more is checked at once.
 */
export function readPlanDeferringChecks(source: string, limits: PlanLimits = {}, savedPlan?: SavedPlanReader): Plan {
  return read(source, limits, savedPlan, true);
}

function read(source: string, limits: PlanLimits, savedPlan: SavedPlanReader | undefined, defer: boolean): Plan {
  const name = source === "-" ? "stdin" : source;
  const text = planText(source, name, limits.maxBytes ?? DEFAULT_LIMITS.maxBytes, savedPlan);
  // The bytes read are garbage now, but V8 frees them only when it next collects, which parsing a
  // large plan may not do before its peak: collected first, they are not part of it.
  if (text.length >= COLLECT_BYTES_BEFORE_PARSING) collectGarbage();
  if (!defer || text.length < DEFER_CHECKS_FROM_BYTES || text.length >= COLLECT_BYTES_BEFORE_PARSING)
    return parsePlan(text, name, limits);
  const parsed = parsedText(text, name, limits);
  const plan = parsed.value as Plan;
  deferred.set(plan, new DeferredChecks(() => checkParsed(parsed, name, limits.maxDepth ?? DEFAULT_LIMITS.maxDepth)));
  return plan;
}

/**
 * The checks of a plan read by readPlanDeferringChecks, made once by whichever asks first: `now` throws
 * their refusal; `later` makes them once the work already queued on this thread has run (the messages
 * that hand the plan to evaluation threads), and rejects with it.
 */
export class DeferredChecks {
  private check?: () => void;
  private refusal?: { readonly error: unknown };

  constructor(check: () => void) {
    this.check = check;
  }

  now(): void {
    const check = this.check;
    this.check = undefined; // lets go of the plan's text once checked
    if (check) {
      try {
        check();
      } catch (error) {
        this.refusal = { error };
      }
    }
    if (this.refusal) throw this.refusal.error;
  }

  later(): Promise<void> {
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          this.now();
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }
}

const deferred = new WeakMap<object, DeferredChecks>();

/** The checks still to make of a plan read by readPlanDeferringChecks; undefined when there are none. */
export function planChecks(plan: object): DeferredChecks | undefined {
  return deferred.get(plan);
}

/** The plan's JSON text; its bytes are let go here, before parsing (as large as the text again). */
function planText(source: string, name: string, max: number, savedPlan?: SavedPlanReader): string {
  let bytes: Buffer;
  try {
    if (source !== "-" && statSync(source).size > max) {
      throw new GuardrailsError(`${source}: plan is larger than the limit of ${max} bytes (--max-bytes)`);
    }
    bytes = readBounded(source, max); // devices and pipes have no size to check first
  } catch (err) {
    if (err instanceof GuardrailsError) throw err;
    throw new GuardrailsError(
      `${source}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) {
    if (source === "-") throw new GuardrailsError("stdin: a binary saved plan must be passed as a file path");
    if (!savedPlan)
      throw new GuardrailsError(
        `${source}: is a binary saved plan; convert it with terraform show -json, or pass a SavedPlanReader`,
      );
    return savedPlan(source, max);
  }
  return decodePlanText(bytes, name);
}

export function parsePlan(input: string, name: string, limits: PlanLimits = {}): Plan {
  return checkParsed(parsedText(input, name, limits), name, limits.maxDepth ?? DEFAULT_LIMITS.maxDepth);
}

interface ParsedText {
  readonly text: string;
  readonly shape: JsonShape;
  readonly value: unknown;
}

/** The plan's text parsed, once its nesting and the memory its parse takes are known to be within limits. */
function parsedText(input: string, name: string, limits: PlanLimits): ParsedText {
  const text = withoutByteOrderMark(input);
  if (!/\S/.test(text)) throw new GuardrailsError(`${name}: is empty, not a terraform plan`);
  const shape = jsonShape(text);
  refuseDepth(shape.depth, limits.maxDepth ?? DEFAULT_LIMITS.maxDepth, name);
  refuseSize(leastParsedBytes(shape), limits.maxMemoryMiB, name);
  try {
    return { text, shape, value: JSON.parse(text) };
  } catch (err) {
    throw new GuardrailsError(
      `${name}: is not valid JSON (${(err as Error).message.replace(/\s+/g, " ")}); expected the output of terraform show -json`,
    );
  }
}

/** parsePlan's checks of the parsed text: its numbers, its keys, then the plan it makes (checkPlan). */
function checkParsed({ text, shape, value }: ParsedText, name: string, maxDepth: number): Plan {
  // The scan that names a repeated key only when the parsed value hints at one: at 10,000 resources, the
  // first call in a new process as the CLI makes it, the depth count and this check took 97-155 ms against
  // 144-187 for the scan (6 runs each). The depth count counts the colons too: the check then walks only
  // objects and numbers (121-141 -> 84-98 ms, 5 alternating runs).
  const parsed = parsedCheck(shape, value, maxDepth);
  if (parsed.overflows)
    throw new GuardrailsError(
      `${name}: the number at ${overflowingNumber(value)} is beyond what a double holds (JSON.parse reads it as infinity); expected the output of terraform show -json`,
    );
  if (parsed.mayRepeatKeys) {
    const { duplicate } = scanJson(text, maxDepth);
    if (!duplicate)
      throw new GuardrailsError(
        `${name}: its JSON keys do not add up (a key may appear twice); expected the output of terraform show -json`,
      );
    const key = JSON.stringify(duplicate.key.length > 80 ? `${duplicate.key.slice(0, 80)}...` : duplicate.key);
    throw new GuardrailsError(
      `${name}: key ${key} appears twice in the object at ${duplicate.path}; JSON readers disagree on which one counts`,
    );
  }
  return checkPlan(value, name);
}

/** JSON.parse's memory grows with the objects and arrays, and no limit stops it once it has begun. */
function refuseSize(least: number, processMiB: number | undefined, name: string): void {
  const limit = processMiB ?? DEFAULT_MAX_MEMORY_MIB;
  const held = processMiB === undefined ? 0 : process.memoryUsage.rss();
  if (held + least <= limit * 1024 * 1024) return;
  const remedy = raiseOrSplit(limit, 1);
  if (held >= limit * 1024 * 1024)
    throw new GuardrailsError(
      `${name}: the process holds ${mib(held)} MiB with its text read, already more than the memory limit of ${limit} MiB (--max-memory); ${remedy}`,
    );
  const holding = held > 0 ? `, besides the ${mib(held)} MiB the process holds with its text read,` : "";
  throw new GuardrailsError(
    `${name}: parsing it needs at least ${mib(least)} MiB for its objects and arrays alone${holding} more than the memory limit of ${limit} MiB (--max-memory); ${remedy}`,
  );
}

const mib = (bytes: number) => Math.floor(bytes / (1024 * 1024));

function refuseDepth(depth: number, maxDepth: number, name: string): void {
  if (depth > maxDepth)
    throw new GuardrailsError(`${name}: JSON nesting depth ${depth} exceeds the limit of ${maxDepth} (--max-depth)`);
}

export function checkPlan(value: unknown, name: string): Plan {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("format_version" in value)) {
    throw new GuardrailsError(
      `${name}: is not a terraform plan (no format_version); expected the output of terraform show -json`,
    );
  }
  const e = shapeError(value);
  if (e) {
    throw new GuardrailsError(
      `${name}: is not a terraform plan this tool can read: ${e.instancePath || "(root)"} ${e.message}`,
    );
  }
  const plan = value as Plan;
  if (plan.errored === true)
    throw new GuardrailsError(`${name}: terraform reported errors while planning (errored: true); fix the plan first`);
  if (!plan.resource_changes && declaresResources(plan)) {
    throw new GuardrailsError(
      `${name}: has no resource_changes although its configuration declares resources (truncated or not a plan?)`,
    );
  }
  const configured = configuredResources(plan, name);
  const seen = new Set<string>();
  for (const change of plan.resource_changes ?? []) {
    // A deposed object (create_before_destroy) shares the address of the object replacing it.
    const key = change.deposed === undefined ? change.address : `${change.address} (deposed ${change.deposed})`;
    if (seen.has(key)) throw new GuardrailsError(`${name}: resource address ${key} appears twice in resource_changes`);
    seen.add(key);
    checkChange(change, name);
    if (configured && isLive(change) && !configured.has(blockOf(change))) {
      // Rules follow unknown values through the configuration; without it they could only guess.
      throw new GuardrailsError(
        `${name}: ${change.address} has no block in the plan's configuration (${blockOf(change)}); truncated or edited plan?`,
      );
    }
  }
  checkConsistency(plan, name);
  checked.add(plan);
  return plan;
}

/** Plans that passed checkPlan: validatePlan re-checks any other object before evaluating it. */
const checked = new WeakSet<object>();

export function isCheckedPlan(value: object): boolean {
  return checked.has(value) || deferred.has(value);
}

/**
 * A plan made from a checked plan by this package (its prior state): checked as its source was. Its
 * resources that the change deletes have no block in the configuration, which checkPlan would refuse.
 */
export function derivedPlan(source: Plan, derived: Plan): Plan {
  const checks = deferred.get(source);
  if (checks) deferred.set(derived, checks);
  else if (checked.has(source)) checked.add(derived);
  else throw new GuardrailsError("plan: derived from a plan that was not checked");
  return derived;
}

/**
 * The policies key resources by address and judge them by type and `change.after`: a change whose
 * address disagrees with its mode/type/name (e.g. a managed table relabelled mode "data", which the
 * model skips), or that will exist after apply without an `after` object, would be judged wrongly.
 */
function checkChange(change: ResourceChange, name: string): void {
  const base = `${change.module_address ? `${change.module_address}.` : ""}${change.mode === "data" ? "data." : ""}${change.type}.${change.name}`;
  if (change.address !== base && !isInstanceOf(change.address, base)) {
    throw new GuardrailsError(
      `${name}: resource_changes entry ${change.address} does not match its mode, type and name (${base})`,
    );
  }
  if (change.change.actions.some((a) => a === "create" || a === "update" || a === "no-op" || a === "read")) {
    if (typeof change.change.after !== "object" || change.change.after === null) {
      throw new GuardrailsError(
        `${name}: ${change.address}: change.after must be an object for a resource that exists after apply`,
      );
    }
    if (typeof change.change.after_unknown !== "object" || change.change.after_unknown === null) {
      throw new GuardrailsError(
        `${name}: ${change.address}: change.after_unknown must be an object (which values are known only after apply)`,
      );
    }
    checkResourceValues(
      change.mode,
      change.type,
      change.address,
      change.change.after,
      change.change.after_unknown,
      name,
    );
  }
}

/** Changes whose resource exists after apply, and so must have a configuration block. */
function isLive(change: ResourceChange): boolean {
  return change.deposed === undefined && change.change.actions.some((a) => a !== "delete" && a !== "forget");
}

/**
 * Every resource block of the configuration by its module path, after checking the expression shapes the
 * reference model reads. Undefined when the plan has no resource changes to judge.
 */
function configuredResources(plan: Plan, name: string): Set<string> | undefined {
  if (!plan.resource_changes?.some(isLive)) return undefined;
  const root = plan.configuration?.root_module;
  if (!root)
    throw new GuardrailsError(
      `${name}: has no configuration.root_module although resources change (truncated or edited plan?)`,
    );
  const keys = new Set<string>();
  const visit = (module: ConfigModule, path: string, depth: number): void => {
    if (depth > 64) throw new GuardrailsError(`${name}: configuration modules nest deeper than 64 levels`);
    for (const resource of module.resources ?? []) {
      const schema =
        typeof resource.type === "string"
          ? blockSchema(resource.mode === "data" ? "data" : "managed", resource.type)
          : undefined;
      checkExpressions(resource.expressions, `${path}${resource.address}`, name, schema);
      keys.add(`${path}${resource.address}`);
    }
    for (const [call, child] of Object.entries(module.module_calls ?? {})) {
      checkExpressions(child.expressions, `${path}module.${call}`, name);
      if (child.module) visit(child.module, `${path}module.${call}.`, depth + 1);
    }
  };
  visit(root, "", 0);
  return keys;
}

/**
 * Expressions are {constant_value} / {references: [string]} objects, and nested blocks are objects or
 * lists of objects of expressions. Anything else would make the reference model find no source at all.
 */
function checkExpressions(expressions: unknown, where: string, name: string, schema?: Block): void {
  const fail = (path: string, what: string) => {
    throw new GuardrailsError(`${name}: configuration of ${where}: expressions${path} ${what}`);
  };
  // A block body: each key an attribute's expression, or (per the provider schema, when known) nested blocks.
  const body = (value: unknown, path: string, depth: number, block: Block | undefined): void => {
    if (depth > 32) fail(path, "nest deeper than 32 blocks");
    if (!isPlainObject(value)) return fail(path, "must be a block (object)");
    for (const key of Object.keys(value)) {
      const v = value[key];
      const nested = nestedBlock(block, key);
      if (nested || (block === undefined && Array.isArray(v))) {
        if (Array.isArray(v))
          v.forEach((b, i) => {
            body(b, `${path}.${key}[${i}]`, depth + 1, nested);
          });
        else body(v, `${path}.${key}`, depth + 1, nested);
      } else if (block !== undefined && Object.hasOwn(block, key)) {
        expression(v, path, key);
      } else if (isPlainObject(v) && !("constant_value" in v) && !("references" in v) && Object.keys(v).length > 0) {
        body(v, `${path}.${key}`, depth + 1, undefined); // a nested block of a type the schema does not cover
      } else {
        expression(v, path, key);
      }
    }
  };
  // The path of an attribute is written only for its error: every attribute of the plan comes here.
  const expression = (value: unknown, path: string, key: string): void => {
    if (!isPlainObject(value)) return fail(`${path}.${key}`, "must be an expression (object)");
    if (
      "references" in value &&
      (!Array.isArray(value.references) || !value.references.every((r) => typeof r === "string"))
    )
      fail(`${path}.${key}.references`, "must be a list of strings");
  };
  if (expressions !== undefined) body(expressions, "", 0, schema);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function declaresResources(plan: Plan): boolean {
  const root = plan.configuration?.root_module;
  return (root?.resources?.length ?? 0) > 0 || Object.keys(root?.module_calls ?? {}).length > 0;
}
