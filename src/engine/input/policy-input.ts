import { cloudFormationTemplates, TEMPLATES_INPUT_KEY } from "./cloudformation";
import type { Plan } from "../plan/types";
import { REFERENCE_OBJECTS_INPUT_KEY, referenceObjects } from "./reference-objects";
import { embeddedJsonRefusal, repeatedKey } from "../plan/strict-json";
import type { SourceModel } from "../source/source-model";

/**
 * Parts of `terraform show -json` that no policy reads (test/engine/scale.test.ts checks policies/ for them).
 * planned_values repeats every `after`; before/after_sensitive double each change. Left out, the JSON
 * the policy parses in wasm memory is about half the size. `before` is kept only where the regression
 * rules read it (policies/lib/plan/changes/changes.rego): changes that update or delete what exists.
 */
export const UNREAD_PLAN_KEYS = [
  "planned_values",
  "relevant_attributes",
  "output_changes",
  "resource_drift",
  "checks",
] as const;
export const UNREAD_RESOURCE_CHANGE_KEYS = ["provider_name", "action_reason", "previous_address"] as const;
export const UNREAD_CHANGE_KEYS = [
  "before_sensitive",
  "after_sensitive",
  "before_identity",
  "after_identity",
  "replace_paths",
] as const;

/**
 * The plan as the policy receives it: JSON text (opa-wasm copies an ArrayBuffer into wasm memory as is,
 * instead of stringifying an object graph) without the parts the policies never read.
 * The report is identical to evaluating the raw plan (test/engine/scale.test.ts), but for CloudFormation templates:
 * their parsed form is added under TEMPLATES_INPUT_KEY (always set, so a plan cannot supply its own).
 */
export function policyInput(plan: Plan, source?: SourceModel): ArrayBuffer {
  const slim: Record<string, unknown> = { ...plan };
  // What the Terraform source adds (locals, dynamic blocks...): input.source, absent without source.
  // Always set, so a plan cannot supply a source model of its own.
  // Waivers are applied to the findings, not read by the policies.
  slim.source = source && { ...source, waivers: undefined };
  for (const key of UNREAD_PLAN_KEYS) delete slim[key];
  if (Array.isArray(plan.resource_changes)) {
    slim.resource_changes = plan.resource_changes.map((rc) => {
      const change: Record<string, unknown> = { ...rc.change };
      for (const key of UNREAD_CHANGE_KEYS) delete change[key];
      if (!changesExisting(change.actions)) delete change.before;
      else if ("before" in change) change.before = withoutAmbiguousJson(change.before);
      if ("after" in change) change.after = withoutAmbiguousJson(change.after);
      const kept: Record<string, unknown> = { ...rc, change };
      for (const key of UNREAD_RESOURCE_CHANGE_KEYS) delete kept[key];
      return kept;
    });
  }
  slim[TEMPLATES_INPUT_KEY] = cloudFormationTemplates(
    Array.isArray(plan.resource_changes) ? plan.resource_changes : [],
  );
  slim[REFERENCE_OBJECTS_INPUT_KEY] = referenceObjects(plan, source);
  return new TextEncoder().encode(JSON.stringify(slim)).buffer as ArrayBuffer;
}

/** An update, delete or replacement: `before` is what exists, and the regression rules compare it with `after`. */
function changesExisting(actions: unknown): boolean {
  return Array.isArray(actions) && actions.some((a) => a === "update" || a === "delete");
}

/**
 * Policy documents are JSON inside strings, and the aws provider sends them to AWS with duplicate keys
 * as written ({"Effect":"Allow", ..., "Effect":"Deny"}). Which of the values AWS applies is not
 * documented, while json.unmarshal in the policy keeps the last: judging that one reading could pass
 * the other. Such a string is replaced by this marker and the key; policies/lib/iam/iam.rego reports the
 * document as unprovable, naming the key.
 */
export const DUPLICATE_KEY_MARKER = "ddb-guardrails: JSON with a duplicate key: ";

/**
 * Likewise for JSON not parsed at all (embeddedJsonRefusal: nested too deep, or too many objects and
 * arrays), followed by why: policies/lib/iam/iam.rego says so.
 */
export const UNPARSED_JSON_MARKER = "ddb-guardrails: JSON not parsed: ";

/** `value` with every JSON string that repeats a key or nests too deep replaced by a marker; unchanged parts are shared. */
function withoutAmbiguousJson(value: unknown): unknown {
  if (typeof value === "string") return ambiguousJsonMarker(value) ?? value;
  if (typeof value !== "object" || value === null) return value;
  let copy: Record<string, unknown> | unknown[] | undefined;
  for (const [key, item] of Object.entries(value)) {
    const replaced = withoutAmbiguousJson(item);
    if (replaced === item) continue;
    copy ??= Array.isArray(value) ? [...value] : { ...value };
    (copy as Record<string, unknown>)[key] = replaced;
  }
  return copy ?? value;
}

function ambiguousJsonMarker(text: string): string | undefined {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  // Parsed by no one: JSON.parse's memory and OPA's parser's stack grow with the nesting.
  const refusal = embeddedJsonRefusal(text);
  if (refusal !== undefined) return `${UNPARSED_JSON_MARKER}${refusal}`;
  if (first !== "{") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const duplicate = repeatedKey(text, value);
  return duplicate && `${DUPLICATE_KEY_MARKER}${JSON.stringify(duplicate.key)} twice in ${duplicate.path}`;
}
