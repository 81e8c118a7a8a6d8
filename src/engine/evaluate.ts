import { GuardrailsError } from "./errors";
import { ENTRYPOINT, instantiate, loadBundle, type BundleOptions, type InstanceOptions, type PolicyBundle } from "./bundle";
import { packageVersion } from "./package-root";
import type { Plan } from "./plan-input";
import { GUARDRAILS, SEVERITIES, type Finding, type Report } from "./types";

export interface ValidateOptions extends BundleOptions, InstanceOptions {
  /** An already loaded bundle (load once, validate many plans). */
  readonly bundle?: PolicyBundle;
  /** Rule parameters (protected attributes, accepted key ARNs...), merged over the policy defaults. */
  readonly parameters?: Record<string, unknown>;
}

interface PolicyResult {
  resources: number;
  findings: Finding[];
}

/** Evaluates the compiled guardrails on a plan and returns the report, findings in a stable order. */
export function validatePlan(plan: Plan, options: ValidateOptions = {}): Report {
  const bundle = options.bundle ?? loadBundle(options);
  const policy = instantiate(bundle, options.parameters ?? {}, options);
  let output: unknown;
  try {
    output = policy.evaluate(plan, ENTRYPOINT);
  } catch (err) {
    throw new GuardrailsError(`policy evaluation failed: ${(err as Error).message.split("\n")[0]}`);
  }
  const result = checkResult(output, bundle);
  const violations = [...result.findings].sort(compareFindings);
  return {
    tool: { name: "ddb-guardrails", version: packageVersion() },
    bundle: { version: bundle.version, sha256: bundle.sha256 },
    summary: {
      resources: result.resources,
      violations: violations.filter((f) => !f.waived).length,
      waived: violations.filter((f) => f.waived).length,
      passed: violations.every((f) => f.waived),
    },
    violations,
  };
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Fails closed when the policy returns anything but a well-formed report. */
function checkResult(output: unknown, bundle: PolicyBundle): PolicyResult {
  const result = (Array.isArray(output) && output.length === 1 ? output[0]?.result : undefined) as PolicyResult | undefined;
  if (!result || typeof result.resources !== "number" || !Array.isArray(result.findings)) {
    throw new GuardrailsError("policy evaluation returned no report (the plan could not be evaluated)");
  }
  const known = new Set(bundle.rules.map((r) => r.id));
  for (const f of result.findings) {
    if (!known.has(f.rule) || !GUARDRAILS.includes(f.guardrail) || !SEVERITIES.includes(f.severity) || typeof f.address !== "string") {
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
  }));
  return { resources: result.resources, findings };
}
