export {
  loadBundle,
  instantiate,
  checkMemoryLimit,
  ENTRYPOINT,
  MAX_MEMORY_MIB,
  type PolicyBundle,
  type BundleOptions,
} from "./policy/bundle";
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
export { readPlan, parsePlan, checkPlan, DEFAULT_LIMITS, type PlanLimits } from "./plan/read-plan";
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
export { GuardrailsError } from "./errors";
export * from "./types";
export { buildSourceModel, type SourceModel } from "./source/source-model";
