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
  /**
   * The address is a resource of the configuration (module path, type and name, no instance keys):
   * it matches every instance of it (a waiver written as a comment on its resource block).
   */
  readonly instances?: boolean;
  /** Where the waiver is written (file:line), when it is not in the config file. */
  readonly origin?: string;
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
  /** Present when a waiver covers this finding; `by`: file:line of a waiver written in the Terraform source. */
  readonly waived?: { readonly reason: string; readonly expires: string; readonly by?: string };
  /** Present when a severity override of the project config lowered this finding below --fail-on. */
  readonly lowered?: { readonly from: Severity; readonly by: string };
  /** Present when a baseline (--baseline) records this finding: inherited, not new. */
  readonly baselined?: { readonly reason: string; readonly expires: string };
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
    /** Findings a baseline records (inherited); present with --baseline. `violations` counts only the others. */
    readonly baselined?: number;
    /** The --fail-on threshold the verdict was judged at: passed means no unwaived finding at or above it. */
    readonly failOn: Severity;
    readonly passed: boolean;
  };
  readonly violations: readonly Finding[];
  /** Things the reader must know about how the report was made (e.g. an expired waiver); absent when none. */
  readonly notes?: readonly string[];
  /** What a pull-request review adds to the report of a change (--baseline, --changed-only); absent otherwise. */
  readonly review?: Review;
  /** Who can do what to each table (policies/access.rego); present when a format that shows it was asked for. */
  readonly access?: AccessMap;
}

/** What a principal may do to a table, each capability with the request the evaluation core allowed. */
export const CAPABILITIES = [
  "read_bound",
  "read_unbound",
  "scan",
  "write_protected",
  "administer",
  "export",
  "read_stream",
  "decrypt",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface AccessRow {
  /** "role/tenant-api", a principal ARN a resource policy names, or "any principal of another account". */
  readonly principal: string;
  /** The resource holding the policy document. */
  readonly policy: string;
  /** Where in it the document is ("policy", "inline_policy[0].policy"). */
  readonly document: string;
  readonly kind: "identity" | "resource";
  /** The attachments of a managed policy of the plan that name it by reference. */
  readonly attached_to: readonly string[];
  readonly capabilities: Partial<Record<Capability, Witness>>;
}

export interface UnreadablePolicy {
  readonly policy: string;
  readonly document: string;
  readonly reason: string;
}

export interface AccessMap {
  readonly tables: readonly {
    readonly address: string;
    readonly arn: string;
    readonly principals: readonly AccessRow[];
    /** The table's resource policies that cannot be read before apply. */
    readonly unprovable: readonly UnreadablePolicy[];
  }[];
  /** Policies that reach every table of an account, asked with a table no configuration names. */
  readonly any_table: {
    readonly principals: readonly AccessRow[];
    /** Identity policies that cannot be read before apply: they may reach any table. */
    readonly unprovable: readonly UnreadablePolicy[];
  };
}

/**
 * The review of a change: which findings are inherited (a baseline) and which resources the plan changes.
 */
/** A capability a principal has on a table after the change and not before it (accessDiff). */
export interface NewAccess {
  /** The table's address, or "any table" for a policy that reaches every table of an account. */
  readonly table: string;
  readonly principal: string;
  readonly policy: string;
  readonly document: string;
  readonly capability: Capability;
  readonly witness: Witness;
}

export interface Review {
  readonly baseline?: {
    readonly file: string;
    readonly reason: string;
    readonly expires: string;
    /** Entries of the baseline that matched a finding of this plan. */
    readonly matched: number;
    /** Entries that match no finding any more: the finding was fixed, or its evidence changed. */
    readonly stale: readonly BaselineEntry[];
  };
  readonly changedOnly?: {
    /** Resources the plan creates, updates, deletes or replaces. */
    readonly changedResources: number;
    /** Findings of the whole plan left out of the text, Markdown and SARIF views. */
    readonly hidden: number;
    /** What the exit code covers: the whole plan, or only the findings shown (--fail-on-changed-only). */
    readonly verdictCovers: "plan" | "changed";
  };
  /**
   * What the access map of the change has that the map of its prior state has not; present when the
   * access map was computed. `failed` with --fail-on-new-access when it holds more than bound reads.
   */
  readonly accessDiff?: { readonly new: readonly NewAccess[]; readonly failed: boolean };
}

/** One finding recorded by `baseline write`: matched by rule, address and the fingerprint of its evidence. */
export interface BaselineEntry {
  readonly rule: string;
  readonly address: string;
  /** sha256 of the rule, the address and the evidence: a different violation at the same address does not match. */
  readonly fingerprint: string;
  readonly message: string;
}
