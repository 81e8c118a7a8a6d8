import { derivedPlan } from "../plan/read-plan";
import type { Plan } from "../plan/types";

/**
 * The plan as its prior state: each resource as it stands before the change (`change.before`), kept
 * unchanged, and each resource the change creates as already gone (delete-only, which the policies
 * leave out). The configuration and planned values stay. The access map of this plan is the access
 * before the change (accessDiff).
 */
export function priorPlan(plan: Plan): Plan {
  return derivedPlan(plan, {
    ...plan,
    resource_changes: (plan.resource_changes ?? []).map((rc) => {
      const before = rc.change.before;
      const sensitive = rc.change.before_sensitive ?? {};
      return before === null || before === undefined
        ? { ...rc, change: { ...rc.change, actions: ["delete"], before: null, after: null, after_unknown: {} } }
        : {
            ...rc,
            change: { ...rc.change, actions: ["no-op"], after: before, after_unknown: {}, after_sensitive: sensitive },
          };
    }),
  });
}
