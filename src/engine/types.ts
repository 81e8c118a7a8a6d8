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
 * A request that the policies allow and the rule says they should not: what a reviewer can paste
 * into the IAM policy simulator. Context keys as AWS names them; a key left out is absent.
 */
export interface Witness {
  readonly principal: {
    readonly arn: string;
    readonly account: string;
    readonly type: "AWS" | "Service" | "Federated" | "Anonymous";
    readonly tags?: Readonly<Record<string, string>>;
  };
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
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
  /** FGAC, endpoint, resource-policy and key-policy findings: a request that gets through. */
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
