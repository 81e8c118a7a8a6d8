import { readFileSync } from "node:fs";
import {
  DEFAULT_MAX_MEMORY_MIB,
  GuardrailsError,
  loadBundle,
  loadProjectConfig,
  PolicyPool,
  validatePlanInWorker,
  type Finding,
  type PolicyBundle,
  type Report,
  type Severity,
} from "../engine";
import type { PlanSource } from "./inputs";
import type { Progress } from "../cli/progress";

/** What every way in (validate, deploy, the synth-time check) sets about the evaluation itself. */
export interface GateOptions {
  /** Project config file. @default .ddb-guardrails.yml/.yaml/.json in the current folder, if any */
  readonly config?: string;
  readonly failOn?: Severity;
  readonly rules?: readonly string[];
  readonly skipRules?: readonly string[];
  /** Evaluated whatever rules/skipRules say. */
  readonly requiredRules?: readonly string[];
  readonly maxMemory?: number;
  readonly timeout?: number;
  /** PEM file of the key the bundle's signatures must verify with. */
  readonly verificationKey?: string;
  /** Compute the access map (a report format shows it). @default false */
  readonly access?: boolean;
}

/**
 * The one pipeline from a plan to its verdict: config, bundle and policy worker threads loaded once per
 * run, shared by every plan it evaluates. validate, deploy and the synth-time check differ only in how
 * they get each plan and what they do with the report.
 */
export interface Gate {
  readonly bundle: PolicyBundle;
  /** Evaluates a plan in a worker thread, under the timeout (or timeoutSeconds, when given). */
  evaluate(source: PlanSource, label?: string, timeoutSeconds?: number): Promise<Report>;
  /** Starts n worker threads ahead of the plans, which they wait for ready to evaluate. */
  start(n: number): void;
  close(): Promise<void>;
}

export function openGate(opts: GateOptions, progress: Progress, jobs = 1): Gate {
  const config = loadProjectConfig(opts.config);
  const bundle = loadBundle({
    verificationKey: opts.verificationKey === undefined ? undefined : readKey(opts.verificationKey),
  });
  // --max-memory bounds the whole process: the threads get what reading the plan leaves of it.
  const memory = opts.maxMemory ?? DEFAULT_MAX_MEMORY_MIB;
  const pool = new PolicyPool(bundle, config?.parameters ?? {}, {
    maxMemoryMiB: memory,
    processMemoryMiB: memory,
    jobs,
  });
  return {
    bundle,
    async evaluate(source, label = "evaluate", timeoutSeconds = opts.timeout) {
      const began = Date.now();
      const report = await validatePlanInWorker(source.prepared, {
        bundle,
        config,
        pool,
        failOn: opts.failOn,
        rules: opts.rules,
        skipRules: opts.skipRules,
        requiredRules: opts.requiredRules,
        maxMemoryMiB: opts.maxMemory,
        timeoutSeconds,
        access: opts.access,
      });
      progress.timing(label, began);
      return report;
    },
    start: (n) => pool.start(n),
    close: () => pool.close(),
  };
}

function readKey(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new GuardrailsError(
      `--verification-key ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * Commands that run outside the judged plan (provisioners, external programs): deploy evaluates this
 * rule whatever --rules/--skip-rules say, and refuses its findings unless waived, whatever their
 * severity or --fail-on.
 */
export const COMMANDS_RULE = "DDB-AUD-008";

/** The unwaived findings of COMMANDS_RULE (and its -UNPROVABLE twin) in a report. */
export function unwaivedCommands(report: Report): Finding[] {
  if (!report.rules.some((r) => r.id === COMMANDS_RULE))
    throw new GuardrailsError(`${COMMANDS_RULE} was not evaluated; deploy cannot tell which commands would run`);
  return report.violations.filter((f) => !f.waived && f.rule.replace(/-UNPROVABLE$/, "") === COMMANDS_RULE);
}
