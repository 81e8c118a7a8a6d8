export { loadBundle, instantiate, ENTRYPOINT, type PolicyBundle, type BundleOptions } from "./bundle";
export { validatePlan, compareFindings, type ValidateOptions } from "./evaluate";
export { readPlan, parsePlan, checkPlan, DEFAULT_LIMITS, type Plan, type PlanLimits } from "./plan-input";
export { GuardrailsError } from "./errors";
export * from "./types";
