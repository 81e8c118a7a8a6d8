import type { Plan } from "../plan/types";
import type { SourceModel } from "../source/source-model";

/**
 * The object each reference of the plan's configuration (and of the source model) names, by reference:
 * "aws_kms_key.k[0].arn" -> "aws_kms_key.k[0]", "module.m.out" -> "module.m.out", "data.x.y.json" ->
 * "data.x.y". policies/lib/references reads it instead of running its regular expression on every
 * reference of every expression each rule follows (about 7% of an evaluation); a reference missing here
 * still goes through the expression, so the answer is the same either way. Always set, so a plan cannot
 * supply its own.
 */
export const REFERENCE_OBJECTS_INPUT_KEY = "reference_objects";

// The expressions of lib/references/references.rego `_object_of`, with RE2's `.` (anything but a
// newline) written out, since JavaScript's also stops at \r, \u2028 and \u2029.
const INDEX = String.raw`(\[(?:[0-9]+|"(?:[^"\\]|\\[^\n])*")\])?`;
const MODULE_OBJECT = new RegExp(String.raw`^module\.[A-Za-z0-9_-]+${INDEX}(\.[A-Za-z0-9_-]+)?`);
const RESOURCE_OBJECT = new RegExp(
  String.raw`^(data\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)${INDEX}`,
);

/** The object a reference names, as the policy's `_object_of` finds it; undefined when it finds none. */
export function objectOf(reference: string): string | undefined {
  return (reference.startsWith("module.") ? MODULE_OBJECT : RESOURCE_OBJECT).exec(reference)?.[0];
}

export function referenceObjects(plan: Plan, source?: SourceModel): Record<string, string> {
  const objects: Record<string, string> = {};
  for (const reference of [...references(plan.configuration), ...references(source)]) {
    if (reference in objects) continue;
    const object = objectOf(reference);
    if (object !== undefined) objects[reference] = object;
  }
  return objects;
}

/** Every `references` entry in a configuration block (or the source model), at any depth. */
export function references(block: unknown, found: string[] = []): string[] {
  if (Array.isArray(block)) for (const value of block) references(value, found);
  else if (block && typeof block === "object") {
    for (const [key, value] of Object.entries(block)) {
      if (key === "references" && Array.isArray(value)) found.push(...value.filter((v) => typeof v === "string"));
      else references(value, found);
    }
  }
  return found;
}
