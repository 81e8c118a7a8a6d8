import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_DIGEST } from "./bundle-digest";
import { addressSpaceError, GuardrailsError } from "../errors";
import { packageRoot } from "../package-root";
import {
  evaluateParsedOnce,
  heapHighWater,
  type LoadedPolicy,
  loadPolicy,
  MAX_MEMORY_MIB,
  WASM_PAGE,
} from "./opa-runtime";
import { checkSignedFile, publicKey, verifySignatures } from "./signature";
import { GUARDRAILS, type Rule, SEVERITIES } from "../types";

export { MAX_MEMORY_MIB };

// The rules the engine evaluates, by the roles it gives them. The policies mark each `entrypoint: true` in
// its METADATA, which is what `opa build` compiles in; loadPolicy refuses a wasm that lacks one of these.
export const ENTRYPOINT = "ddb_guardrails/main/report";
/** The access map (policies/access.rego): evaluated only when asked for. */
export const ACCESS_ENTRYPOINT = "ddb_guardrails/access/map";
/** The report in two passes (policies/passes.rego), together the same findings as ENTRYPOINT. */
export const PASS_ENTRYPOINTS = ["ddb_guardrails/main/iam_report", "ddb_guardrails/main/other_report"] as const;
const ENTRYPOINTS = [ENTRYPOINT, ...PASS_ENTRYPOINTS, ACCESS_ENTRYPOINT];

export interface PolicyBundle {
  readonly dir: string;
  readonly version: string;
  /** SHA-256 of policy.wasm: identifies the exact policies a report came from. */
  readonly sha256: string;
  readonly rules: readonly Rule[];
  readonly wasm: Buffer;
  readonly data: Record<string, unknown>;
}

export interface BundleOptions {
  /**
   * Folder holding policy.wasm, data.json and rules.json.
   * @default $DDB_GUARDRAILS_BUNDLE_DIR, else the bundle shipped in this package
   */
  readonly dir?: string;
  /**
   * PEM public key (RSA or EC) of whoever signed the bundle with `opa sign`. With it, the bundle's
   * `.signatures.json` must verify and cover every file; without it, every file must match the SHA-256
   * recorded when this package was built (src/engine/policy/bundle-digest.ts), wherever the folder is.
   */
  readonly verificationKey?: string | Buffer;
}

export const BUNDLE_FILES = ["policy.wasm", "data.json", "rules.json"] as const;

/**
 * Reads the compiled bundle and refuses it unless every file is the one that was built (recorded SHA-256)
 * or signed (verification key given), so a swapped or edited policy cannot go unnoticed.
 */
export function loadBundle(options: BundleOptions = {}): PolicyBundle {
  const dir = options.dir ?? (process.env.DDB_GUARDRAILS_BUNDLE_DIR || join(packageRoot(), "bundle"));
  const source = `policy bundle ${dir}`;
  const files: Record<string, Buffer> = {};
  for (const name of BUNDLE_FILES) {
    try {
      files[name] = readFileSync(join(dir, name));
    } catch {
      throw new GuardrailsError(`${source}: ${name} is missing`);
    }
  }
  if (options.verificationKey !== undefined) {
    const key = publicKey(options.verificationKey);
    let signatures: string;
    try {
      signatures = readFileSync(join(dir, ".signatures.json"), "utf8");
    } catch {
      throw new GuardrailsError(`${source}: is not signed (no .signatures.json; sign it with opa sign --bundle)`);
    }
    const signed = verifySignatures(signatures, key, source);
    for (const name of BUNDLE_FILES) checkSignedFile(signed, name, files[name], source);
  } else {
    for (const name of BUNDLE_FILES) {
      if (sha256(files[name]) !== BUNDLE_DIGEST[name]) {
        throw new GuardrailsError(
          `${source}: ${name} does not match its recorded SHA-256 (modified after build?); refusing to use it`,
        );
      }
    }
  }
  let catalog: { version: string; rules: Rule[] };
  let data: Record<string, unknown>;
  try {
    catalog = JSON.parse(files["rules.json"].toString("utf8"));
    data = JSON.parse(files["data.json"].toString("utf8"));
  } catch (err) {
    throw new GuardrailsError(`${source}: rules.json or data.json is not valid JSON (${(err as Error).message})`);
  }
  if (typeof catalog?.version !== "string" || !Array.isArray(catalog.rules)) {
    throw new GuardrailsError(`${source}: rules.json is not a rule catalog ({version, rules})`);
  }
  // Findings take their guardrail, severity and remediation from here (checkResult).
  const unfit = catalog.rules.find(
    (r) =>
      typeof r?.id !== "string" ||
      !GUARDRAILS.includes(r.guardrail) ||
      !SEVERITIES.includes(r.severity) ||
      typeof r.remediation !== "string",
  );
  if (unfit !== undefined) {
    throw new GuardrailsError(
      `${source}: rules.json has a rule without an id, a known guardrail, a severity or a remediation: ${JSON.stringify(unfit).slice(0, 200)}`,
    );
  }
  return {
    dir,
    version: catalog.version,
    sha256: sha256(files["policy.wasm"]),
    rules: catalog.rules,
    wasm: files["policy.wasm"],
    data,
  };
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface InstanceOptions {
  /** Ceiling of wasm linear memory, in MiB: evaluation fails (exit 2) rather than grow past it. @default 2048 */
  readonly maxMemoryMiB?: number;
  /**
   * The limit this instance's ceiling is a share of, when several threads share it (PolicyPool): an
   * out-of-memory error names it and what the user can change.
   */
  readonly sharedMemory?: {
    readonly totalMiB: number;
    readonly threads: number;
    /** What the process held when the limit was divided (a process budget, PoolOptions.processMemoryMiB). */
    readonly heldMiB?: number;
  };
}

export const DEFAULT_MAX_MEMORY_MIB = 2048;
/** Ends the out-of-memory message past MAX_MEMORY_MIB: the caller adds what can be done (memoryAdvice). */
export const MOST_ONE_EVALUATION_CAN_HAVE = "the most one evaluation can have";
const INITIAL_PAGES = 32; // 2 MiB
/** The smallest ceiling an instance accepts (its initial memory). */
export const MIN_MEMORY_MIB = (INITIAL_PAGES * WASM_PAGE) / (1024 * 1024);

/** The ceiling in wasm pages, or a GuardrailsError when the option is out of range. */
export function checkMemoryLimit(mib: number = DEFAULT_MAX_MEMORY_MIB): number {
  const maximum = Math.floor((mib * 1024 * 1024) / WASM_PAGE);
  if (!Number.isFinite(mib) || maximum < INITIAL_PAGES || mib > MAX_MEMORY_MIB) {
    throw new GuardrailsError(`memory limit ${mib} MiB is out of range (2 to ${MAX_MEMORY_MIB} MiB, --max-memory)`);
  }
  return maximum;
}

/**
 * From this size of policy input (about 20,000 resources) the report is evaluated in passes: below it
 * memory is no concern and one pass is faster (the passes each rebuild the plan model, about 8% more
 * evaluation time at 10,000 resources).
 */
export const LARGE_INPUT_BYTES = 16 * 1024 * 1024;

export interface ReportOptions {
  /** Evaluate PASS_ENTRYPOINTS one after another instead of ENTRYPOINT. @default input >= LARGE_INPUT_BYTES */
  readonly passes?: boolean;
  /** The caller gives the input up: once copied into wasm memory it is detached (and, when large, collected). */
  readonly release?: boolean;
  /** Evaluate ACCESS_ENTRYPOINT too, on the same parsed input, into the result's `access`. @default false */
  readonly access?: boolean;
}

/** A wasm instance of the bundle, its evaluations turned into GuardrailsErrors. */
export type Policy = LoadedPolicy & {
  /** The report (ENTRYPOINT's result set) on a policyInput. */
  report(input: ArrayBuffer, options?: ReportOptions): unknown;
  /** The highest wasm heap address its evaluations reached: about the memory it keeps resident. */
  heapBytes(): number;
};

const modules = new WeakMap<Buffer, WebAssembly.Module>();

/** policy.wasm compiled once per loaded copy of its bytes: every instance of it, in any thread, shares the module. */
export function compiledModule(wasm: Buffer): WebAssembly.Module {
  let module = modules.get(wasm);
  if (!module) {
    module = new WebAssembly.Module(new Uint8Array(wasm));
    modules.set(wasm, module);
  }
  return module;
}

/** A wasm instance of the bundle with its data (and the project's rule parameters) loaded. */
export function instantiate(
  bundle: { readonly wasm: Buffer | WebAssembly.Module; readonly data: Record<string, unknown> },
  parameters: Record<string, unknown>,
  options: InstanceOptions = {},
): Policy {
  const mib = options.maxMemoryMiB ?? DEFAULT_MAX_MEMORY_MIB;
  const maximum = checkMemoryLimit(mib);
  // Reserve the whole ceiling up front: untouched pages cost no RSS, while growing page by page made V8
  // run a full GC on every memory.grow (10x slower at 1,000 resources; docs/benchmarks.md).
  let policy: Policy;
  try {
    const module = bundle.wasm instanceof WebAssembly.Module ? bundle.wasm : compiledModule(bundle.wasm);
    policy = loadPolicy(module, maximum, ENTRYPOINTS) as Policy;
  } catch (err) {
    throw addressSpaceError(err) ?? err;
  }
  const outOfMemory = outOfMemoryMessage(mib, options.sharedMemory);
  guard(() => policy.setData({ ...bundle.data, ddb_guardrails_config: { parameters } }), outOfMemory);
  const evaluate = policy.evaluate.bind(policy);
  // opa-wasm throws bare strings (aborts) and RangeErrors (memory); callers get one GuardrailsError.
  policy.evaluate = (input, entrypoint) => guard(() => evaluate(input, entrypoint), outOfMemory);
  policy.report = (input, options = {}) => guard(() => evaluateReport(policy, input, options), outOfMemory);
  policy.heapBytes = () => heapHighWater(policy);
  return policy;
}

/**
 * ENTRYPOINT's result; in passes, PASS_ENTRYPOINTS' results merged (the heap's high-water mark is then the
 * larger pass, not both); with `access`, ACCESS_ENTRYPOINT's result as `access`.
 */
function evaluateReport(policy: LoadedPolicy, input: ArrayBuffer, options: ReportOptions): unknown {
  const passes = options.passes ?? input.byteLength >= LARGE_INPUT_BYTES;
  const entrypoints: string[] = passes ? [...PASS_ENTRYPOINTS] : [ENTRYPOINT];
  if (options.access) entrypoints.push(ACCESS_ENTRYPOINT);
  const outputs = evaluateParsedOnce(
    policy,
    input,
    entrypoints,
    options.release ? { collectFrom: LARGE_INPUT_BYTES } : undefined,
  );
  const only = (output: unknown) => (Array.isArray(output) && output.length === 1 ? output[0]?.result : undefined);
  let resources: unknown;
  const findings: unknown[] = [];
  let access: unknown;
  for (const [i, entrypoint] of entrypoints.entries()) {
    if (entrypoint === ACCESS_ENTRYPOINT) {
      access = only(outputs[i]);
      // A map asked for and not given makes the whole output malformed, which the caller refuses.
      if (typeof access !== "object" || access === null) return [];
      continue;
    }
    const result = only(outputs[i]) as { resources?: unknown; findings?: unknown } | undefined;
    // A pass without a well-formed result makes the whole output malformed, which the caller refuses.
    if (!result || !Array.isArray(result.findings) || (resources !== undefined && result.resources !== resources))
      return [];
    resources = result.resources;
    findings.push(...result.findings);
  }
  return [{ result: { resources, findings, ...(access ? { access } : {}) } }];
}

/**
 * What to say when an evaluation runs out of memory: the limit, and only what can be done about it
 * (raising --max-memory past MAX_MEMORY_MIB cannot be).
 */
function outOfMemoryMessage(mib: number, shared?: InstanceOptions["sharedMemory"]): string {
  if (shared?.heldMiB !== undefined) {
    const each = shared.threads > 1 ? ` for each of ${shared.threads} evaluation threads` : "";
    return (
      `out of memory: the plan (or a shard of it) needs more than ${mib} MiB${each}, what the memory limit of ` +
      `${shared.totalMiB} MiB (--max-memory) leaves after the ${shared.heldMiB} MiB the process and its evaluation threads took with the plan read ` +
      `(${raiseOrSplit(shared.totalMiB, shared.threads)})`
    );
  }
  if (shared && shared.threads > 1) {
    return (
      `out of memory: the plan (or a shard of it) needs more than its share of the memory limit of ` +
      `${shared.totalMiB} MiB: ${mib} MiB for each of ${shared.threads} evaluation threads (${raiseOrSplit(shared.totalMiB, shared.threads)})`
    );
  }
  return mib < MAX_MEMORY_MIB
    ? `out of memory: the plan (or a shard of it) needs more than the wasm memory limit of ${mib} MiB (${raiseOrSplit(mib, 1)})`
    : `out of memory: the plan (or a shard of it) needs more than ${MAX_MEMORY_MIB} MiB, ${MOST_ONE_EVALUATION_CAN_HAVE}`;
}

/** What can be done when a process budget (--max-memory) is too small for a plan. */
export function raiseOrSplit(limitMiB: number, threads: number): string {
  const remedies = limitMiB < MAX_MEMORY_MIB ? [`raise --max-memory (up to ${MAX_MEMORY_MIB})`] : [];
  if (threads > 1) remedies.push("lower --jobs");
  remedies.push("split the plan");
  return remedies.join(", or ");
}

function guard<T>(run: () => T, outOfMemory: string): T {
  try {
    return run();
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/opa_malloc|Maximum memory size exceeded|out of memory/i.test(text)) {
      throw new GuardrailsError(outOfMemory);
    }
    throw new GuardrailsError(text.split("\n")[0] || "policy evaluation aborted");
  }
}
