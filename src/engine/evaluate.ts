import { availableParallelism } from "node:os";
import { applyConfig, checkConfigRules, EMPTY_CONFIG, type GuardrailsConfig } from "./config/config";
import { GuardrailsError } from "./errors";
import { checkParameters } from "./config/parameters";
import { WAIVER_TAG_PREFIX, waiversFromTags } from "./config/tag-waivers";
import {
  instantiate,
  LARGE_INPUT_BYTES,
  MOST_ONE_EVALUATION_CAN_HAVE,
  loadBundle,
  type BundleOptions,
  type InstanceOptions,
  type Policy,
  type PolicyBundle,
} from "./policy/bundle";
import { packageVersion } from "./package-root";
import { collectGarbage } from "./policy/collect-garbage";
import { checkPlan, isCheckedPlan, planChecks, type DeferredChecks } from "./plan/read-plan";
import type { Plan } from "./plan/types";
import { policyInput } from "./input/policy-input";
import { type PlanShard, shardPlan } from "./input/shards";
import type { SourceModel } from "./source/source-model";
import { DEFAULT_TIMEOUT_SECONDS, PolicyPool } from "./policy/worker-pool";
import {
  GUARDRAILS,
  SEVERITIES,
  type Finding,
  type Report,
  type Rule,
  type Severity,
  CAPABILITIES,
  type AccessMap,
  type AccessRow,
  type Capability,
  type UnreadablePolicy,
  type Waiver,
  type Witness,
} from "./types";

export interface ValidateOptions extends BundleOptions, InstanceOptions {
  /** An already loaded bundle (load once, validate many plans). */
  readonly bundle?: PolicyBundle;
  /** Rule parameters (protected attributes, accepted key ARNs...), merged over the policy defaults. @default config.parameters */
  readonly parameters?: Record<string, unknown>;
  /** Project config (loadConfig): parameters, severity overrides, waivers. */
  readonly config?: GuardrailsConfig;
  /** Report only these rules: ids or guardrail names (an id also selects its -UNPROVABLE twin). @default all */
  readonly rules?: readonly string[];
  /** Leave out these rules: ids or guardrail names. */
  readonly skipRules?: readonly string[];
  /** Rules evaluated whatever rules/skipRules say (deploy: the commands that run outside the plan). */
  readonly requiredRules?: readonly string[];
  /** The report fails on unwaived findings of this severity or higher. @default "low" (any finding) */
  readonly failOn?: Severity;
  /** The day waiver expiry is judged against. @default now */
  readonly now?: Date;
  /** What the Terraform source behind the plan adds (buildSourceModel). @default none: the plan alone */
  readonly source?: SourceModel;
  /**
   * Most resources judged at once: a larger plan is split into shards of independent resources, each
   * evaluated with the wasm heap reset (src/engine/input/shards.ts); the report is the same.
   * @default SHARD_RESOURCES
   */
  readonly shardResources?: number;
  /**
   * Threads the shards are spread over (their number a multiple of it, their sizes even); the report is
   * the same for any. @default os.availableParallelism()
   */
  readonly shardThreads?: number;
  /** Compute the access map (policies/access.rego) into the report's `access`. @default false */
  readonly access?: boolean;
}

/**
 * Shard size: at about 50 MiB of wasm heap per 1,000 resources of a mixed stack, 4,000 resources keep
 * each evaluation near 200 MiB, and the plan-wide resources repeated in every shard stay a small share.
 */
export const SHARD_RESOURCES = 4000;

/**
 * A plan checked and turned into the policy's input (policyInput), with what its Terraform source adds:
 * all an evaluation needs, so the parsed plan can be let go before it starts (a plan whose checks were
 * deferred is held until they are made, and its shards' inputs are built as they are handed over).
 * Evaluated once: a worker takes over the buffer.
 */
export interface PreparedPlan {
  /** The policy input: one, or one per shard with the addresses whose findings it gives. */
  readonly inputs: readonly PreparedInput[];
  /**
   * Why a plan is judged in one piece: read with its source, small enough (up to shardResources), or
   * entangled (linked into one part, or its plan-wide resources are most of it). Undefined in shards.
   */
  readonly whole?: "source" | "small" | "entangled";
  /** Resources of the whole plan (each shard's count includes the plan-wide resources it repeats). */
  readonly resources?: number;
  /** Waivers recorded as tags on the plan's resources (waiversFromTags) and as comments in its source. */
  readonly waivers: readonly Waiver[];
  /** The plan's checks, when readPlanDeferringChecks left them to the evaluation: nothing is reported before they pass. */
  readonly checks?: DeferredChecks;
}

export interface PreparedInput {
  readonly input: ArrayBuffer;
  readonly owned?: ReadonlySet<string>;
}

const preparedPlans = new WeakSet<PreparedPlan>();

export function preparePlan(
  plan: Plan,
  source?: SourceModel,
  options: { readonly shardResources?: number; readonly shardThreads?: number } = {},
): PreparedPlan {
  // A plan object built by the caller gets the same checks as one read from a file.
  if (!isCheckedPlan(plan)) checkPlan(plan, "plan");
  const checks = planChecks(plan);
  try {
    const prepared = { ...inputsOf(plan, source, options, checks), checks };
    preparedPlans.add(prepared);
    return prepared;
  } catch (err) {
    checks?.now(); // a plan whose checks were deferred is refused for failing them, not for what failed on it
    throw err;
  }
}

function inputsOf(
  plan: Plan,
  source: SourceModel | undefined,
  options: { readonly shardResources?: number; readonly shardThreads?: number },
  checks: DeferredChecks | undefined,
): PreparedPlan {
  const waivers = [...waiversFromTags(plan), ...(source?.waivers ?? [])];
  // The source model is one for the whole plan: a plan with its source is judged whole.
  const shards = source
    ? undefined
    : shardPlan(plan, {
        maxResources: options.shardResources ?? SHARD_RESOURCES,
        threads: options.shardThreads ?? availableParallelism(),
      });
  return shards
    ? {
        inputs: shards.map((shard) => shardInput(shard, checks)),
        resources: resourceCount(plan),
        waivers,
      }
    : {
        inputs: [{ input: policyInput(plan, source) }],
        whole: source
          ? "source"
          : resourceCount(plan) <= (options.shardResources ?? SHARD_RESOURCES)
            ? "small"
            : "entangled",
        waivers,
      };
}

/**
 * A shard's policy input. For a plan whose checks were deferred (held until they are made anyway) it is
 * built when first read, so that validatePlanInWorker hands each shard to a thread as soon as its input
 * is built, not once all of them are (at 10,000 resources building them took 0.1 s); an input that cannot
 * be built makes the checks first, whose refusal is then the one reported.
 */
function shardInput(shard: PlanShard, checks: DeferredChecks | undefined): PreparedInput {
  if (!checks) return { input: policyInput(shard.plan), owned: shard.owned };
  let unbuilt: PlanShard | undefined = shard;
  let input: ArrayBuffer | undefined;
  return {
    owned: shard.owned,
    get input() {
      if (unbuilt) {
        try {
          input = policyInput(unbuilt.plan);
        } catch (err) {
          checks.now();
          throw err;
        }
        unbuilt = undefined;
      }
      return input as ArrayBuffer;
    },
  };
}

/** What policies/main.rego counts: the managed resources the plan keeps, plus those it deletes. */
function resourceCount(plan: Plan): number {
  const kept = new Set<string>();
  const deleted = new Set<string>();
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed") continue;
    const deleteOnly = rc.change.actions.length === 1 && rc.change.actions[0] === "delete";
    (deleteOnly ? deleted : kept).add(rc.address);
  }
  return kept.size + deleted.size;
}

function prepared(plan: Plan | PreparedPlan, options: ValidateOptions): PreparedPlan {
  return preparedPlans.has(plan as PreparedPlan)
    ? (plan as PreparedPlan)
    : preparePlan(plan as Plan, options.source, options);
}

/**
 * The shards' outputs as one: each finding from the shard that owns its address (plan-wide resources
 * are in every shard and owned by one), and the whole plan's resource count. Unsharded: the output.
 */
function mergeShards(plan: PreparedPlan, outputs: readonly unknown[]): unknown {
  if (plan.inputs.length === 1) return outputs[0];
  const findings: unknown[] = [];
  const unowned = new Map<string, unknown>();
  const access: AccessMap[] = [];
  const owner = new Map<string, number>();
  plan.inputs.forEach(({ owned }, i) => {
    for (const address of owned ?? []) owner.set(address, i);
  });
  for (const [i, output] of outputs.entries()) {
    const result = (Array.isArray(output) && output.length === 1 ? output[0]?.result : undefined) as
      | { findings?: unknown; access?: unknown }
      | undefined;
    if (!result || !Array.isArray(result.findings)) return undefined; // refused by checkResult
    if (result.access) access.push(ownedAccess(result.access as AccessMap, (address) => owner.get(address) === i));
    for (const finding of result.findings as { address?: unknown }[]) {
      const at = typeof finding?.address === "string" ? owner.get(finding.address) : undefined;
      if (at === i) findings.push(finding);
      // An address no resource of the plan has: the same finding from several shards is one.
      else if (at === undefined) unowned.set(JSON.stringify(finding), finding);
    }
  }
  const merged = access.length === outputs.length ? mergeAccess(access) : undefined;
  return [
    {
      result: {
        resources: plan.resources,
        findings: [...findings, ...unowned.values()],
        ...(merged ? { access: merged } : {}),
      },
    },
  ];
}

/**
 * A shard's part of the access map: the tables it owns, and the rows and notes of the policies it owns
 * (a table's rows come from the policies linked to it, which are in its shard).
 */
function ownedAccess(map: AccessMap, owns: (address: string) => boolean): AccessMap {
  return {
    tables: map.tables.filter((t) => owns(t.address)),
    any_table: {
      principals: map.any_table.principals.filter((r) => owns(r.policy)),
      unprovable: map.any_table.unprovable.filter((u) => owns(u.policy)),
    },
  };
}

function mergeAccess(parts: readonly AccessMap[]): AccessMap {
  return {
    tables: parts.flatMap((p) => p.tables),
    any_table: {
      principals: parts.flatMap((p) => p.any_table.principals),
      unprovable: parts.flatMap((p) => p.any_table.unprovable),
    },
  };
}

/**
 * The access map checked (fails closed on a malformed one) and in a stable order: tables by address, rows
 * by principal and policy, each witness with the key order of a finding's.
 */
function checkedAccess(map: AccessMap): AccessMap {
  const malformed = (what: unknown) =>
    new GuardrailsError(`policy evaluation returned a malformed access map: ${JSON.stringify(what).slice(0, 200)}`);
  const byKey =
    <T>(key: (x: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  const row = (r: AccessRow): AccessRow => {
    if (typeof r?.principal !== "string" || typeof r.policy !== "string" || typeof r.capabilities !== "object")
      throw malformed(r);
    const capabilities: Partial<Record<Capability, Witness>> = {};
    for (const c of CAPABILITIES) {
      const w = r.capabilities[c];
      if (w === undefined) continue;
      if (!isWitness(w)) throw malformed(r);
      capabilities[c] = { principal: w.principal, action: w.action, resource: w.resource, context: w.context };
    }
    return { ...r, capabilities };
  };
  const rows = (list: readonly AccessRow[]) =>
    (Array.isArray(list) ? list : []).map(row).sort(byKey((r) => `${r.principal}\u0000${r.policy}\u0000${r.document}`));
  const notes = (list: readonly UnreadablePolicy[]) =>
    [...(Array.isArray(list) ? list : [])].sort(byKey((u) => `${u.policy}\u0000${u.document}\u0000${u.reason}`));
  if (!Array.isArray(map.tables) || typeof map.any_table !== "object") throw malformed(map);
  return {
    tables: [...map.tables]
      .sort(byKey((t) => t.address))
      .map((t) => ({ ...t, principals: rows(t.principals), unprovable: notes(t.unprovable) })),
    any_table: { principals: rows(map.any_table.principals), unprovable: notes(map.any_table.unprovable) },
  };
}

interface PolicyResult {
  resources: number;
  findings: Finding[];
  access?: AccessMap;
}

/** Evaluates the compiled guardrails on a plan and returns the report, findings in a stable order. */
export function validatePlan(plan: Plan | PreparedPlan, options: ValidateOptions = {}): Report {
  const ready = prepared(plan, options);
  ready.checks?.now();
  const run = prepare(options, ready.waivers);
  const { policy, keep } = takeInstance(run, options);
  let outputs: unknown[];
  try {
    // One instance for every shard: each evaluation starts from a reset heap.
    outputs = ready.inputs.map(({ input }) => policy.report(input, { access: options.access }));
  } catch (err) {
    throw evaluationError(err as Error, ready, options.access === true);
  }
  keep();
  return report(mergeShards(ready, outputs), run, options);
}

/**
 * validatePlan's instance is kept per loaded bundle and reused while the parameters and memory options
 * stay the same. A new instance reserves its whole memory ceiling, and V8 answers each reservation with a
 * full garbage collection: on fixture-sized plans that cost more than the evaluation itself. Not kept:
 * an instance whose evaluation failed, or whose heap grew past KEPT_HEAP_BYTES (the process would go on
 * holding a large plan's memory).
 */
const kept = new WeakMap<PolicyBundle, { readonly key: string; readonly policy: Policy }>();
const KEPT_HEAP_BYTES = 64 * 1024 * 1024;

function takeInstance(run: Run, options: InstanceOptions): { policy: Policy; keep(): void } {
  const key = JSON.stringify([run.parameters, options.maxMemoryMiB, options.sharedMemory]);
  const held = kept.get(run.bundle);
  kept.delete(run.bundle); // out while in use: a failed evaluation leaves nothing to reuse
  const policy = held?.key === key ? held.policy : instantiate(run.bundle, run.parameters, options);
  return {
    policy,
    keep: () => {
      if (policy.heapBytes() <= KEPT_HEAP_BYTES) kept.set(run.bundle, { key, policy });
    },
  };
}

/** A failed evaluation as one line, "policy evaluation ..." (the pool's own errors already say so). */
function evaluationError(err: Error, plan: PreparedPlan, access: boolean): GuardrailsError {
  const message = /^policy evaluation /.test(err.message)
    ? err.message
    : `policy evaluation failed: ${err.message.split("\n")[0]}`;
  return new GuardrailsError(memoryAdvice(message, plan, access));
}

/**
 * An out-of-memory message with what can be done about it, given how the plan was judged; other
 * messages as they are.
 */
export function memoryAdvice(message: string, plan: PreparedPlan, access: boolean): string {
  if (!/out of memory/.test(message)) return message;
  let advice = "";
  if (message.endsWith(MOST_ONE_EVALUATION_CAN_HAVE))
    advice =
      plan.whole === "source"
        ? "; a plan read with its Terraform source is judged whole (validate - < plan.json judges the plan alone, in shards), or split the stack"
        : plan.whole === "entangled"
          ? "; this plan is judged whole (its resources are linked into one part, or plan-wide ones such as trails are most of it): split the stack"
          : "; split the stack";
  // The access map is the largest evaluation: without it, the findings may still fit.
  if (access) advice += "; the access map (JSON, Markdown) was evaluated too, and --no-access-map leaves it out";
  return message + advice;
}

export interface WorkerValidateOptions extends ValidateOptions {
  /** Wall-clock limit of the evaluation, in seconds. @default 120 */
  readonly timeoutSeconds?: number;
  /** Worker threads to evaluate in (one pool per bundle and parameters, shared by many plans). @default a new one, closed after */
  readonly pool?: PolicyPool;
}

/**
 * validatePlan with the evaluation in a worker thread under a wall-clock limit: an evaluation that
 * does not finish in time is stopped and fails (GuardrailsError), so no plan can stall the caller.
 */
export async function validatePlanInWorker(
  plan: Plan | PreparedPlan,
  options: WorkerValidateOptions = {},
): Promise<Report> {
  const ready = prepared(plan, options);
  const run = prepare(options, ready.waivers);
  const pool = options.pool ?? new PolicyPool(run.bundle, run.parameters, { ...options, jobs: 1 });
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  // A large plan's garbage (its text, the parsed plan) would stay resident through the evaluation. A
  // plan whose checks were deferred is held until they are made: nothing to collect (and its shards'
  // inputs are built as they are handed to threads).
  if (!ready.checks && ready.inputs.reduce((sum, { input }) => sum + input.byteLength, 0) >= LARGE_INPUT_BYTES)
    collectGarbage();
  try {
    // Shards over the pool's threads; the wall-clock limit holds for the plan, all its shards together.
    const limits = { timeoutMs, deadline: ready.inputs.length > 1 ? Date.now() + timeoutMs : undefined };
    // A large plan judged whole (with its source, or too entangled to shard) gets the whole memory limit.
    const alone = ready.inputs.length === 1 && ready.inputs[0].input.byteLength >= LARGE_INPUT_BYTES;
    const evaluations: Promise<unknown>[] = [];
    for (const { input } of ready.inputs) {
      const evaluation = pool.evaluate(input, limits, options.access === true, alone).catch((err: Error) => {
        throw evaluationError(err, ready, options.access === true);
      });
      // Awaited below, unless what comes first fails (a later input, the checks): then that is reported.
      evaluation.catch(() => undefined);
      evaluations.push(evaluation);
    }
    // Checks left for now are made while the threads evaluate; a plan that fails them is refused for
    // that, whatever its evaluation did meanwhile.
    await ready.checks?.later();
    const outputs = await Promise.all(evaluations);
    return report(mergeShards(ready, outputs), run, options);
  } finally {
    if (!options.pool) await pool.close();
  }
}

interface Run {
  readonly bundle: PolicyBundle;
  readonly config: GuardrailsConfig;
  readonly parameters: Record<string, unknown>;
  readonly selected: Set<string>;
}

/** Everything checked before evaluating, besides the plan: the bundle, the config against its rules. */
function prepare(options: ValidateOptions, planWaivers: readonly Waiver[] = []): Run {
  const bundle = options.bundle ?? loadBundle(options);
  const given = options.config ?? EMPTY_CONFIG;
  checkConfigRules(given, bundle.rules);
  const known = new Set(bundle.rules.map((r) => r.id));
  for (const w of planWaivers) {
    if (known.has(w.rule)) continue;
    throw new GuardrailsError(
      w.origin
        ? `${w.origin}: the waiver names no rule "${w.rule}"; use a rule id of docs/rules.md`
        : `${w.address}: tag "${WAIVER_TAG_PREFIX}${w.rule}" names no rule; use a rule id of docs/rules.md`,
    );
  }
  const config = planWaivers.length > 0 ? { ...given, waivers: [...given.waivers, ...planWaivers] } : given;
  const selected = selectRules(bundle.rules, options.rules, options.skipRules);
  if (options.requiredRules?.length)
    for (const id of selectRules(bundle.rules, options.requiredRules)) selected.add(id);
  if (options.parameters) checkParameters(options.parameters, "(validatePlan options)");
  return { bundle, config, parameters: options.parameters ?? config.parameters, selected };
}

function report(output: unknown, run: Run, options: ValidateOptions): Report {
  const { bundle, config, selected } = run;
  const result = checkResult(output, bundle);
  if (options.access && !result.access)
    throw new GuardrailsError("policy evaluation returned no access map (the plan could not be evaluated)");
  const applied = applyConfig(
    result.findings.filter((f) => selected.has(f.rule)),
    config,
    options.now ?? new Date(),
    options.failOn,
  );
  const violations = applied.findings.sort(compareFindings);
  const failOn = options.failOn ?? "low";
  const threshold = SEVERITIES.indexOf(failOn);
  const skippedRules = bundle.rules.filter((r) => !selected.has(r.id)).map((r) => r.id);
  return {
    tool: { name: "ddb-guardrails", version: packageVersion() },
    bundle: { version: bundle.version, sha256: bundle.sha256 },
    rules: bundle.rules.filter((r) => selected.has(r.id)).map((r) => ({ id: r.id, version: r.version })),
    ...(skippedRules.length ? { skippedRules } : {}),
    summary: {
      resources: result.resources,
      violations: violations.filter((f) => !f.waived).length,
      waived: violations.filter((f) => f.waived).length,
      failOn,
      passed: violations.every((f) => f.waived || SEVERITIES.indexOf(f.severity) > threshold),
    },
    violations,
    ...(applied.notes.length ? { notes: applied.notes } : {}),
    ...(result.access ? { access: result.access } : {}),
  };
}

/** The rule ids a --rules/--skip-rules selection keeps; unknown names are errors, not empty selections. */
export function selectRules(
  rules: readonly Rule[],
  include?: readonly string[],
  exclude?: readonly string[],
): Set<string> {
  const pick = (names: readonly string[], flag: string): Set<string> => {
    const ids = new Set<string>();
    for (const name of names) {
      const matched = rules.filter((r) => r.id === name || r.id === `${name}-UNPROVABLE` || r.guardrail === name);
      if (matched.length === 0 && !(GUARDRAILS as readonly string[]).includes(name))
        throw new GuardrailsError(`${flag}: "${name}" is neither a rule id nor a guardrail (${GUARDRAILS.join(", ")})`);
      for (const r of matched) ids.add(r.id);
    }
    return ids;
  };
  const kept = include?.length ? pick(include, "--rules") : new Set(rules.map((r) => r.id));
  for (const id of exclude?.length ? pick(exclude, "--skip-rules") : []) kept.delete(id);
  if (kept.size === 0)
    throw new GuardrailsError("--rules and --skip-rules leave no rule to evaluate: nothing to check");
  return kept;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.address < b.address
    ? -1
    : a.address > b.address
      ? 1
      : a.rule < b.rule
        ? -1
        : a.rule > b.rule
          ? 1
          : a.message < b.message
            ? -1
            : a.message > b.message
              ? 1
              : 0;
}

/** Fails closed when the policy returns anything but a well-formed report. */
function checkResult(output: unknown, bundle: PolicyBundle): PolicyResult {
  const result = (Array.isArray(output) && output.length === 1 ? output[0]?.result : undefined) as
    | PolicyResult
    | undefined;
  if (!result || typeof result.resources !== "number" || !Array.isArray(result.findings)) {
    throw new GuardrailsError("policy evaluation returned no report (the plan could not be evaluated)");
  }
  // A finding names its rule; the catalog, built from the same METADATA, gives the rest (lib/findings.rego).
  const catalog = new Map(bundle.rules.map((r) => [r.id, r]));
  // Fixed key order: reports are byte-identical for the same input.
  const findings = result.findings.map((f) => {
    const rule = catalog.get(f.rule);
    if (!rule || typeof f.address !== "string" || (f.witness !== undefined && !isWitness(f.witness))) {
      throw new GuardrailsError(`policy evaluation returned a malformed finding: ${JSON.stringify(f).slice(0, 200)}`);
    }
    return {
      rule: f.rule,
      guardrail: rule.guardrail,
      severity: rule.severity,
      address: f.address,
      message: f.message,
      remediation: rule.remediation,
      evidence: f.evidence,
      ...(f.witness ? { witness: f.witness } : {}),
    };
  });
  return { resources: result.resources, findings, ...(result.access ? { access: checkedAccess(result.access) } : {}) };
}

function isWitness(w: unknown): w is Witness {
  if (typeof w !== "object" || w === null) return false;
  const { principal, action, resource, context } = w as Record<string, unknown>;
  return (
    typeof principal === "object" &&
    principal !== null &&
    typeof (principal as Record<string, unknown>).arn === "string" &&
    typeof (principal as Record<string, unknown>).type === "string" &&
    typeof action === "string" &&
    typeof resource === "string" &&
    typeof context === "object" &&
    context !== null
  );
}
