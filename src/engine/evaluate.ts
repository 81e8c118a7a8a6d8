import { applyConfig, checkConfigRules, EMPTY_CONFIG, type GuardrailsConfig } from "./config/config";
import { GuardrailsError } from "./errors";
import { checkParameters } from "./config/parameters";
import {
  instantiate,
  LARGE_INPUT_BYTES,
  loadBundle,
  type BundleOptions,
  type InstanceOptions,
  type PolicyBundle,
} from "./policy/bundle";
import { packageVersion } from "./package-root";
import { collectGarbage } from "./policy/collect-garbage";
import { checkPlan, isCheckedPlan, type Plan } from "./plan/read-plan";
import { policyInput } from "./input/policy-input";
import type { SourceModel } from "./source/source-model";
import { DEFAULT_TIMEOUT_SECONDS, PolicyPool } from "./policy/worker-pool";
import { GUARDRAILS, SEVERITIES, type Finding, type Report, type Rule, type Severity, type Witness } from "./types";

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
  /** The report fails on unwaived findings of this severity or higher. @default "low" (any finding) */
  readonly failOn?: Severity;
  /** The day waiver expiry is judged against. @default now */
  readonly now?: Date;
  /** What the Terraform source behind the plan adds (buildSourceModel). @default none: the plan alone */
  readonly source?: SourceModel;
}

/**
 * A plan checked and turned into the policy's input (policyInput), with what its Terraform source adds:
 * all an evaluation needs, so the parsed plan can be let go before it starts. Evaluated once: a worker
 * takes over the buffer.
 */
export interface PreparedPlan {
  readonly input: ArrayBuffer;
}

const preparedPlans = new WeakSet<PreparedPlan>();

export function preparePlan(plan: Plan, source?: SourceModel): PreparedPlan {
  // A plan object built by the caller gets the same checks as one read from a file.
  if (!isCheckedPlan(plan)) checkPlan(plan, "plan");
  const prepared = { input: policyInput(plan, source) };
  preparedPlans.add(prepared);
  return prepared;
}

function prepared(plan: Plan | PreparedPlan, source?: SourceModel): PreparedPlan {
  return preparedPlans.has(plan as PreparedPlan) ? (plan as PreparedPlan) : preparePlan(plan as Plan, source);
}

interface PolicyResult {
  resources: number;
  findings: Finding[];
}

/** Evaluates the compiled guardrails on a plan and returns the report, findings in a stable order. */
export function validatePlan(plan: Plan | PreparedPlan, options: ValidateOptions = {}): Report {
  const { input } = prepared(plan, options.source);
  const run = prepare(options);
  const policy = instantiate(run.bundle, run.parameters, options);
  let output: unknown;
  try {
    output = policy.report(input);
  } catch (err) {
    throw new GuardrailsError(`policy evaluation failed: ${(err as Error).message.split("\n")[0]}`);
  }
  return report(output, run, options);
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
  const { input } = prepared(plan, options.source);
  const run = prepare(options);
  const pool = options.pool ?? new PolicyPool(run.bundle, run.parameters, { ...options, jobs: 1 });
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  // A large plan's garbage (its text, the parsed plan) would stay resident through the evaluation.
  if (input.byteLength >= LARGE_INPUT_BYTES) collectGarbage();
  try {
    const output = await pool.evaluate(input, { timeoutMs }).catch((err: Error) => {
      throw new GuardrailsError(
        /^policy evaluation /.test(err.message)
          ? err.message
          : `policy evaluation failed: ${err.message.split("\n")[0]}`,
      );
    });
    return report(output, run, options);
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
function prepare(options: ValidateOptions): Run {
  const bundle = options.bundle ?? loadBundle(options);
  const config = options.config ?? EMPTY_CONFIG;
  checkConfigRules(config, bundle.rules);
  const selected = selectRules(bundle.rules, options.rules, options.skipRules);
  if (options.parameters) checkParameters(options.parameters, "(validatePlan options)");
  return { bundle, config, parameters: options.parameters ?? config.parameters, selected };
}

function report(output: unknown, run: Run, options: ValidateOptions): Report {
  const { bundle, config, selected } = run;
  const result = checkResult(output, bundle);
  const applied = applyConfig(
    result.findings.filter((f) => selected.has(f.rule)),
    config,
    options.now ?? new Date(),
    options.failOn,
  );
  const violations = applied.findings.sort(compareFindings);
  const failOn = options.failOn ?? "low";
  const threshold = SEVERITIES.indexOf(failOn);
  return {
    tool: { name: "ddb-guardrails", version: packageVersion() },
    bundle: { version: bundle.version, sha256: bundle.sha256 },
    rules: bundle.rules.filter((r) => selected.has(r.id)).map((r) => ({ id: r.id, version: r.version })),
    summary: {
      resources: result.resources,
      violations: violations.filter((f) => !f.waived).length,
      waived: violations.filter((f) => f.waived).length,
      failOn,
      passed: violations.every((f) => f.waived || SEVERITIES.indexOf(f.severity) > threshold),
    },
    violations,
    ...(applied.notes.length ? { notes: applied.notes } : {}),
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
  const known = new Set(bundle.rules.map((r) => r.id));
  for (const f of result.findings) {
    if (
      !known.has(f.rule) ||
      !GUARDRAILS.includes(f.guardrail) ||
      !SEVERITIES.includes(f.severity) ||
      typeof f.address !== "string" ||
      (f.witness !== undefined && !isWitness(f.witness))
    ) {
      throw new GuardrailsError(`policy evaluation returned a malformed finding: ${JSON.stringify(f).slice(0, 200)}`);
    }
  }
  // Fixed key order: reports are byte-identical for the same input.
  const findings = result.findings.map((f) => ({
    rule: f.rule,
    guardrail: f.guardrail,
    severity: f.severity,
    address: f.address,
    message: f.message,
    remediation: f.remediation,
    evidence: f.evidence,
    ...(f.witness ? { witness: f.witness } : {}),
  }));
  return { resources: result.resources, findings };
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
