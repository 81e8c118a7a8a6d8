import { Fn, Token } from "cdktf";

/**
 * Tags that tell the guardrails what a resource is for, where a plan cannot tell by structure alone
 * (policies/lib/plan/tags/tags.rego and DDB-FGAC-004 read them). The constructs set them; plain Terraform users
 * set them by hand.
 */
export const GUARDRAIL_TAGS = {
  /** S3 bucket purpose: "stream-archive" (write-once stream archive) or "audit-log". */
  role: "ddb-guardrails:role",
  /** Table data class: "session" tables must expire items (TTL). */
  dataClass: "ddb-guardrails:data-class",
  /** Space-separated attribute names that writers must be denied (tag values allow no commas). */
  protectedAttributes: "ddb-guardrails:protected-attributes",
  /**
   * Prefix of a waiver the gate honours for this resource: `ddb-guardrails:waive:<rule id>` =
   * `"<YYYY-MM-DD> <reason>"` (the last day it applies, then why). A waived finding stays in the report.
   */
  waiverPrefix: "ddb-guardrails:waive:",
} as const;

/**
 * Why a protection is off. A plain string is the reason the construct needs at synth time; with
 * `expires` (the last day, YYYY-MM-DD) the construct also records it as a waiver tag on the resource,
 * so the gate reports the finding as waived instead of failing it, until that day.
 */
export type GuardrailWaiver = string | { readonly reason: string; readonly expires: string };

export type BucketRole = "stream-archive" | "audit-log";
export type DataClass = "session";

/**
 * The user's tags plus guardrail tags. User tags may be a token (a Terraform variable in the
 * generated modules), which cannot be spread, so they are merged by Terraform instead.
 */
export function withGuardrailTags(
  tags: Readonly<Record<string, string>> | undefined,
  guardrailTags: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> | undefined {
  if (Object.keys(guardrailTags).length === 0) return tags;
  if (tags !== undefined && Token.isUnresolved(tags))
    return Fn.merge([tags, guardrailTags]) as unknown as Record<string, string>;
  return { ...tags, ...guardrailTags };
}
