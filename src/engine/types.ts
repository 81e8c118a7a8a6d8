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
  /** The address is matched exactly, not as a glob (a waiver recorded as a tag on its resource). */
  readonly exact?: boolean;
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
  /** Rule ids of the bundle that were not evaluated (--rules/--skip-rules); absent when every rule ran. */
  readonly skippedRules?: readonly string[];
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
