export { loadBundle, instantiate, ENTRYPOINT, type PolicyBundle, type BundleOptions } from "./bundle";
export { validatePlan, compareFindings, selectRules, type ValidateOptions } from "./evaluate";
export { loadConfig, loadProjectConfig, findConfig, parseConfig, applyConfig, CONFIG_FILES, type GuardrailsConfig } from "./config";
export { readPlan, parsePlan, checkPlan, DEFAULT_LIMITS, type Plan, type PlanLimits } from "./plan-input";
export { GuardrailsError } from "./errors";
export * from "./types";
export { buildSourceModel, type SourceModel } from "./source-model";
