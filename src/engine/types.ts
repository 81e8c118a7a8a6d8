export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const GUARDRAILS = ["encryption", "endpoint", "fgac", "recovery", "audit"] as const;
export type Guardrail = (typeof GUARDRAILS)[number];

/** A rule of the compiled bundle, as its METADATA describes it (bundle/rules.json). */
export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly guardrail: Guardrail;
  readonly severity: Severity;
  readonly remediation: string;
  readonly concept: string;
  readonly version: string;
  readonly source: string;
}

export interface Waiver {
  readonly rule: string;
  readonly address: string;
  readonly reason: string;
  readonly expires: string;
  /** "all" when the address glob matches every resource: such a waiver must say so. */
  readonly scope?: "all";
}

/**
 * The concrete request that gets through: the inputs of the IAM policy simulator (principal, action,
 * resource, context keys), e.g. another account's role calling sts:AssumeRole on a tenant role.
 */
export interface Witness {
  readonly principal: { readonly arn: string; readonly type: string; readonly [key: string]: unknown };
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** One rule broken by one resource. */
export interface Finding {
  readonly rule: string;
  readonly guardrail: Guardrail;
  readonly severity: Severity;
  /** The resource address exactly as in resource_changes[].address. */
  readonly address: string;
  readonly message: string;
  readonly remediation: string;
  /** What decided it: attribute paths and, through references, the chain that was followed. */
  readonly evidence: readonly string[];
  /** The request that gets through, for rules that decide access; absent for the others. */
  readonly witness?: Witness;
  /** Present when a waiver from the project config covers this finding. */
  readonly waived?: { readonly reason: string; readonly expires: string };
  /** Present when a severity override of the project config lowered this finding below --fail-on. */
  readonly lowered?: { readonly from: Severity; readonly by: string };
}

export interface Report {
  readonly tool: { readonly name: string; readonly version: string };
  readonly bundle: { readonly version: string; readonly sha256: string };
  /** The rules that were evaluated, with the version of each (from the rule catalog). */
  readonly rules: readonly { readonly id: string; readonly version: string }[];
  readonly summary: {
    readonly resources: number;
    readonly violations: number;
    readonly waived: number;
    /** The --fail-on threshold the verdict was judged at: passed means no unwaived finding at or above it. */
    readonly failOn: Severity;
    readonly passed: boolean;
  };
  readonly violations: readonly Finding[];
  /** Things the reader must know about how the report was made (e.g. an expired waiver); absent when none. */
  readonly notes?: readonly string[];
}
