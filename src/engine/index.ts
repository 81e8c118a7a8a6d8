// The engine's API: what the CLI, the runners and users of `ddb-guardrails/engine` import. Nothing outside
// src/engine imports its other files (but src/cli/crash.ts, which must load before the engine does).

/** Reading a plan: JSON text or file, checked for the shape the policies rely on (GuardrailsError if not). */
export {
  readPlan,
  readPlanDeferringChecks,
  planChecks,
  DeferredChecks,
  parsePlan,
  checkPlan,
  DEFAULT_LIMITS,
  type PlanLimits,
  type SavedPlanReader,
} from "./plan/read-plan";
/** The plan JSON of `terraform show -json`, after hashicorp/terraform-json. */
export type {
  Action,
  Change,
  CheckResult,
  Config,
  ConfigModule,
  ConfigResource,
  Expression,
  Expressions,
  ModuleCall,
  Plan,
  PlanVariable,
  ResourceAttribute,
  ResourceChange,
  ResourceMode,
  State,
  StateModule,
  StateOutput,
  StateResource,
  StateValues,
} from "./plan/types";
/** The text of a plan file's bytes (UTF-8, or UTF-16 with a byte-order mark); NUL bytes are refused. */
export { decodePlanText } from "./plan/plan-text";
/** Resource and module addresses without their instance keys: configuration is per block, not per instance. */
export {
  addressesIn,
  instanceKey,
  isInstanceOf,
  moduleCallNames,
  withoutInstanceKey,
  withoutModuleKeys,
} from "./plan/address";
/** The plan as its prior state, for the access before a change (Review.accessDiff). */
export { priorPlan } from "./input/prior-plan";

/**
 * The Terraform source a plan is read with (locals, dynamic blocks, module defaults, file:line locations):
 * which files are configuration, whether a folder holds any, whether its parse is cached, and the HCL
 * parser (loaded on first use: loading it early overlaps its start-up with planning). A waiver comment
 * that cannot be read is a WaiverCommentError.
 */
export { buildSourceModel, type SourceModel } from "./source/source-model";
export { ModuleDirs, isLocalSource } from "./source/module-dirs";
export {
  blockHeader,
  displayPath,
  hasTerraformSource,
  isCached,
  isConfigFile,
  type SourceLimits,
} from "./source/files";
export { hcl2json } from "./source/hcl";
export { WaiverCommentError } from "./source/waiver-comments";

/** The compiled policy bundle: verified on load, instantiated per evaluation thread. */
export {
  loadBundle,
  instantiate,
  checkMemoryLimit,
  DEFAULT_MAX_MEMORY_MIB,
  ENTRYPOINT,
  MAX_MEMORY_MIB,
  type PolicyBundle,
  type BundleOptions,
} from "./policy/bundle";
/** Evaluating a plan into a Report, in this thread or in a PolicyPool's worker threads under limits. */
export {
  validatePlan,
  validatePlanInWorker,
  preparePlan,
  compareFindings,
  selectRules,
  type ValidateOptions,
  type WorkerValidateOptions,
  type PreparedPlan,
} from "./evaluate";
export {
  PolicyPool,
  DEFAULT_TIMEOUT_SECONDS,
  type EvaluationLimits,
  type PoolOptions,
} from "./policy/worker-pool";

/** The project config (parameters, severity overrides, waivers) and baselines of inherited findings. */
export {
  loadConfig,
  loadProjectConfig,
  findConfig,
  parseConfig,
  applyConfig,
  CONFIG_FILES,
  type GuardrailsConfig,
} from "./config/config";
export {
  applyBaseline,
  baselineOf,
  checkBaselineTerms,
  findingFingerprint,
  loadBaseline,
  type Baseline,
} from "./config/baseline";

/** Reports, findings, rules and the access map. */
export * from "./types";
/** The one error the engine throws for input it cannot judge (exit 2), and a clearer one for wasm's address space. */
export { GuardrailsError, addressSpaceError } from "./errors";
/** This package's folder and version (of its package.json). */
export { packageRoot, packageVersion } from "./package-root";
