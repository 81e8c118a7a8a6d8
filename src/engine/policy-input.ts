import type { Plan } from "./plan-input";
import type { SourceModel } from "./source-model";

/**
 * Parts of `terraform show -json` that no policy reads (test/scale.test.ts checks policies/ for them).
 * planned_values repeats every `after`; before/after_sensitive double each change. Left out, the JSON
 * the policy parses in wasm memory is about half the size.
 */
export const UNREAD_PLAN_KEYS = ["planned_values", "relevant_attributes", "output_changes", "resource_drift", "checks"] as const;
export const UNREAD_CHANGE_KEYS = ["before", "before_sensitive", "after_sensitive", "before_identity", "after_identity", "replace_paths"] as const;

/**
 * The plan as the policy receives it: JSON text (opa-wasm copies an ArrayBuffer into wasm memory as is,
 * instead of stringifying an object graph) without the parts the policies never read.
 * The report is identical to evaluating the raw plan (test/scale.test.ts).
 */
export function policyInput(plan: Plan, source?: SourceModel): ArrayBuffer {
  const slim: Record<string, unknown> = { ...plan };
  // What the Terraform source adds (locals, dynamic blocks...): input.source, absent without source.
  if (source) slim.source = source;
  for (const key of UNREAD_PLAN_KEYS) delete slim[key];
  if (Array.isArray(plan.resource_changes)) {
    slim.resource_changes = plan.resource_changes.map((rc) => {
      const change: Record<string, unknown> = { ...(rc as { change?: object }).change };
      for (const key of UNREAD_CHANGE_KEYS) delete change[key];
      return { ...rc, change };
    });
  }
  return new TextEncoder().encode(JSON.stringify(slim)).buffer as ArrayBuffer;
}
