import { withoutModuleKeys } from "./address";
import { GuardrailsError } from "../errors";
import type { ConfigModule, Plan, ResourceChange, StateModule } from "./types";

/**
 * A plan describes what it deploys three times: the configuration (blocks), planned_values (the state
 * after apply) and resource_changes (what the policies judge). A plan whose resource_changes leave out
 * what the other two declare was truncated or edited, and judging only what is left would pass
 * resources nobody looked at.
 */
export function checkConsistency(plan: Plan, name: string): void {
  const values = rootModule(plan.planned_values);
  const configuration = rootModule(plan.configuration);
  if (!values || !configuration) {
    const missing = [!values && "planned_values.root_module", !configuration && "configuration.root_module"];
    throw new GuardrailsError(
      `${name}: has no ${missing.filter(Boolean).join(" and ")}; terraform show -json writes both for every plan (truncated or not a plan?)`,
    );
  }
  const current = (plan.resource_changes ?? []).filter((c) => c.deposed === undefined);
  checkPlannedValues(values as StateModule, new Set(current.map((c) => c.address)), name);
  checkConfiguration(
    configuration as ConfigModule,
    new Set(current.filter((c) => c.mode === "managed").map(blockOf)),
    name,
  );
}

function rootModule(part: unknown): object | undefined {
  const root = isObject(part) ? part.root_module : undefined;
  return isObject(root) ? root : undefined;
}

/** Every managed resource planned to exist after apply has a change entry (no-op included). */
function checkPlannedValues(root: StateModule, changed: ReadonlySet<string>, name: string): void {
  const visit = (module: StateModule, depth: number): void => {
    if (depth > 64) throw new GuardrailsError(`${name}: planned_values modules nest deeper than 64 levels`);
    for (const resource of objects(module.resources, "planned_values resources", name)) {
      if (resource.mode !== "managed") continue;
      if (typeof resource.address !== "string" || !changed.has(resource.address)) {
        const address = String(resource.address);
        throw new GuardrailsError(
          `${name}: ${address} is in planned_values but not in resource_changes (truncated or edited plan?)`,
        );
      }
    }
    for (const child of objects(module.child_modules, "planned_values child_modules", name)) visit(child, depth + 1);
  };
  visit(root, 0);
}

/**
 * Every managed resource block has at least one instance in resource_changes, unless it may have none:
 * a count or for_each on the block or on a module call around it whose value is not a literal (the plan
 * does not record what it evaluated to), or a literal 0 / empty collection. A block under a literal
 * non-empty count or for_each, or under none, always has an instance in a complete plan.
 */
function checkConfiguration(root: ConfigModule, changedBlocks: ReadonlySet<string>, name: string): void {
  const visit = (module: ConfigModule, path: string, mayBeEmpty: boolean, depth: number): void => {
    if (depth > 64) throw new GuardrailsError(`${name}: configuration modules nest deeper than 64 levels`);
    for (const resource of objects(module.resources, "configuration resources", name)) {
      if (resource.mode !== "managed" || typeof resource.address !== "string") continue;
      const block = `${path}${resource.address}`;
      if (changedBlocks.has(block) || mayBeEmpty || mayHaveNoInstance(resource)) continue;
      throw new GuardrailsError(
        `${name}: ${block} is declared in the configuration but has no entry in resource_changes (truncated or edited plan?)`,
      );
    }
    for (const [call, child] of Object.entries(module.module_calls ?? {})) {
      if (child.module)
        visit(child.module, `${path}module.${call}.`, mayBeEmpty || mayHaveNoInstance(child), depth + 1);
    }
  };
  visit(root, "", false, 0);
}

function mayHaveNoInstance(block: { count_expression?: unknown; for_each_expression?: unknown }): boolean {
  return mayBeZero(block.count_expression, (v) => v === 0) || mayBeZero(block.for_each_expression, isEmptyCollection);
}

/** Absent: the block has no count/for_each. A literal: judged by isEmpty. Anything else: unknown here. */
function mayBeZero(expression: unknown, isEmpty: (value: unknown) => boolean): boolean {
  if (expression === undefined) return false;
  if (isObject(expression) && "constant_value" in expression) return isEmpty(expression.constant_value);
  return true;
}

function isEmptyCollection(value: unknown): boolean {
  return (
    value === null || (Array.isArray(value) ? value.length === 0 : isObject(value) && Object.keys(value).length === 0)
  );
}

/** The configuration block a change belongs to: its address without module and instance keys. */
export function blockOf(change: Pick<ResourceChange, "module_address" | "mode" | "type" | "name">): string {
  const module = withoutModuleKeys(change.module_address ?? "");
  return `${module ? `${module}.` : ""}${change.mode === "data" ? "data." : ""}${change.type}.${change.name}`;
}

/** A list of objects, or nothing: any other shape could hide resources from the checks. */
function objects<T>(value: T[] | undefined, what: string, name: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject))
    throw new GuardrailsError(`${name}: ${what} must be a list of objects`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
