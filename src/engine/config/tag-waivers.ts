import { GuardrailsError } from "../errors";
import type { Plan } from "../plan/types";
import type { Waiver } from "../types";

/** The tag key prefix of a waiver recorded on the resource it waives (modules/guardrail-tags.ts). */
export const WAIVER_TAG_PREFIX = "ddb-guardrails:waive:";
const VALUE = /^(\d{4}-\d{2}-\d{2}) +(\S.*)$/s;

/**
 * Waivers recorded as tags on the resources they waive (`ddb-guardrails:waive:<rule>` =
 * "<YYYY-MM-DD> <reason>", as the constructs write them): each covers its rule on that one address.
 * A tag that does not read as a waiver is an error, never a silent no-op.
 */
export function waiversFromTags(plan: Plan): Waiver[] {
  const tagged: Array<{ address: string; key: string; value: unknown }> = [];
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== "managed" || change.deposed) continue;
    const after = change.change.after as { tags?: unknown; tags_all?: unknown } | null | undefined;
    const tags = { ...asTags(after?.tags_all), ...asTags(after?.tags) };
    for (const [key, value] of Object.entries(tags)) {
      if (key.startsWith(WAIVER_TAG_PREFIX)) tagged.push({ address: change.address, key, value });
    }
  }
  // In address order, so that a plan gives the same first error and waivers whatever its order.
  tagged.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.key < b.key ? -1 : 1));
  return tagged.map(({ address, key, value }) => {
    const match = typeof value === "string" ? VALUE.exec(value) : null;
    if (!match || Number.isNaN(Date.parse(match[1]))) {
      throw new GuardrailsError(
        `${address}: tag "${key}" = ${JSON.stringify(value)} is not a waiver; write "<YYYY-MM-DD> <reason>" (its last day, then why)`,
      );
    }
    const rule = key.slice(WAIVER_TAG_PREFIX.length);
    return { rule, address, expires: match[1], reason: match[2].trim(), exact: true };
  });
}

function asTags(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
