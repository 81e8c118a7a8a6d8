import { isDeepStrictEqual } from "node:util";
import { GuardrailsError } from "../errors";
import type { ConfigModule, ConfigResource, Plan } from "../plan/types";
import { referencedObject } from "../plan/address";
import { referencedObjects } from "./evaluate-expression";
import type { SourceFile, SourceGaps, SourceModule } from "./files";

/**
 * Refuses Terraform source that is not what terraform planned: the source model fills in what the plan
 * leaves out (locals, dynamic blocks), so source of another configuration would decide verdicts of
 * this one. Compared with the plan's own `configuration`, module by module: the same module calls
 * (and sources), the same resource and data blocks, and for every argument the plan records (resource
 * and module arguments, nested blocks, variable defaults, outputs) the same objects referenced and,
 * where both are literal, the same constant. Locals are not in the plan and cannot be compared.
 */
export async function checkSourceMatchesPlan(
  sources: readonly SourceModule[],
  gaps: SourceGaps,
  plan: Plan,
): Promise<void> {
  const configured = configModules(plan);
  const read = new Map(sources.map((m) => [m.path, m]));
  for (const path of configured.keys()) {
    if (!read.has(path) && !gaps.has(path) && ![...gaps.keys()].some((gap) => path.startsWith(`${gap}.`)))
      mismatch(`${path} is in the plan's configuration but not in the source`);
  }
  for (const source of sources) {
    const config = configured.get(source.path);
    if (!config) mismatch(`${source.path} is in the source but not in the plan's configuration`);
    await compareModule(source, config);
  }
}

function mismatch(difference: string): never {
  throw new GuardrailsError(`the source does not match the plan: ${difference}`);
}

/** The plan's configuration modules by path ("" for the root, "module.a.module.b"). */
function configModules(plan: Plan): Map<string, ConfigModule> {
  const modules = new Map<string, ConfigModule>();
  const visit = (path: string, module: ConfigModule | undefined): void => {
    if (!module) return;
    modules.set(path, module);
    for (const [name, call] of Object.entries(module.module_calls ?? {}))
      visit(path ? `${path}.module.${name}` : `module.${name}`, call.module);
  };
  visit("", plan.configuration?.root_module);
  return modules;
}

/** Meta-arguments and blocks the plan records elsewhere or not at all; "//" keys are CDKTF comments. */
const NOT_EXPRESSIONS = new Set([
  "count",
  "for_each",
  "depends_on",
  "provider",
  "providers",
  "lifecycle",
  "provisioner",
  "connection",
  "dynamic",
  "source",
  "version",
]);

async function compareModule(source: SourceModule, config: ConfigModule): Promise<void> {
  const where = source.path || "the root module";
  const blocks = sourceBlocks(source.files);
  const planned = new Map((config.resources ?? []).map((r) => [r.address, r]));
  for (const address of planned.keys())
    if (!blocks.has(address)) mismatch(`${where}: ${address} is in the plan's configuration but not in the source`);
  for (const [address, block] of blocks) {
    const resource = planned.get(address);
    if (!resource) mismatch(`${where}: ${address} is in the source but not in the plan's configuration`);
    await compareBody(resource.expressions ?? {}, block, `${where}: ${address}`);
    await compareRepetition(resource, block, `${where}: ${address}`);
  }
  const calls = new Map(
    source.files.flatMap((f) => Object.entries(f.body.module ?? {}).map(([n, b]) => [n, firstBlock(b)] as const)),
  );
  for (const name of Object.keys(config.module_calls ?? {}))
    if (!calls.has(name))
      mismatch(`${where}: module.${name} is called in the plan's configuration but not in the source`);
  for (const [name, block] of calls) {
    const call = config.module_calls?.[name];
    if (!call) mismatch(`${where}: module.${name} is called in the source but not in the plan's configuration`);
    if (call.source !== block.source)
      mismatch(
        `${where}: module.${name} has source ${JSON.stringify(block.source)}, the plan ${JSON.stringify(call.source)}`,
      );
    await compareBody(call.expressions ?? {}, block, `${where}: module.${name}`);
    await compareRepetition(call, block, `${where}: module.${name}`);
  }
  for (const file of source.files) {
    for (const [name, declared] of Object.entries(file.body.variable ?? {})) {
      const block = firstBlock(declared);
      const planned = config.variables?.[name];
      if (!planned) mismatch(`${where}: var.${name} is declared in the source but not in the plan's configuration`);
      if ("default" in planned || "default" in block) {
        if (!sameValue(planned.default ?? null, unescaped(block.default ?? null)))
          mismatch(`${where}: var.${name} has another default in the source than in the plan`);
      }
    }
    for (const [name, declared] of Object.entries(file.body.output ?? {})) {
      const planned = config.outputs?.[name];
      if (!planned) mismatch(`${where}: output.${name} is in the source but not in the plan's configuration`);
      await compareExpression(planned.expression ?? {}, firstBlock(declared).value, `${where}: output.${name}`);
    }
  }
}

/** resource and data blocks of a module's files by their address in the configuration. */
function sourceBlocks(files: readonly SourceFile[]): Map<string, Record<string, unknown>> {
  const blocks = new Map<string, Record<string, unknown>>();
  for (const file of files) {
    for (const [kind, prefix] of [
      ["resource", ""],
      ["data", "data."],
    ] as const) {
      for (const [type, named] of Object.entries(file.body[kind] ?? {})) {
        for (const [name, block] of Object.entries(named as Record<string, unknown>))
          blocks.set(`${prefix}${type}.${name}`, firstBlock(block));
      }
    }
  }
  return blocks;
}

function firstBlock(value: unknown): Record<string, unknown> {
  const block = Array.isArray(value) ? value[0] : value;
  return block && typeof block === "object" ? block : {};
}

/** count and for_each: present in both or in neither, referring to the same objects. */
async function compareRepetition(
  planned: Pick<ConfigResource, "count_expression" | "for_each_expression">,
  block: Record<string, unknown>,
  where: string,
): Promise<void> {
  for (const meta of ["count", "for_each"] as const) {
    const expression = planned[`${meta}_expression`];
    if (block[meta] === undefined) {
      if (expression !== undefined) mismatch(`${where}: ${meta} is set in the plan's configuration only`);
      continue;
    }
    // The plan leaves out a count or for_each that refers to nothing (toset(["a"])): then so must the source.
    await compareExpression(expression ?? {}, block[meta], `${where}.${meta}`);
  }
}

/** A block's arguments and nested blocks against the plan's expressions for it. */
async function compareBody(
  expressions: Record<string, unknown>,
  block: Record<string, unknown>,
  where: string,
): Promise<void> {
  const keys = new Set([...Object.keys(expressions), ...Object.keys(block)]);
  for (const key of [...keys].sort()) {
    if (NOT_EXPRESSIONS.has(key) || key.startsWith("//")) continue;
    const planned = expressions[key];
    const written = block[key];
    if (planned === undefined) {
      if (written === null || (Array.isArray(written) && written.length === 0)) continue; // unset, or no blocks
      mismatch(`${where}: ${key} is set in the source but not in the plan's configuration`);
    }
    if (written === undefined) mismatch(`${where}: ${key} is set in the plan's configuration but not in the source`);
    if (Array.isArray(planned)) {
      // Nested blocks: one expression object per block, in order (JSON syntax may write one block as an object).
      const blocks = Array.isArray(written) ? written : [written];
      if (blocks.length !== planned.length)
        mismatch(`${where}: ${planned.length} ${key} block(s) in the plan, ${blocks.length} in the source`);
      for (const [i, nested] of planned.entries())
        await compareBody(nested as Record<string, unknown>, firstBlock(blocks[i]), `${where}.${key}[${i}]`);
      continue;
    }
    if (!isExpression(planned)) {
      // A single nested block (timeouts): its arguments by name.
      await compareBody(planned as Record<string, unknown>, firstBlock(written), `${where}.${key}`);
      continue;
    }
    await compareExpression(planned, written, `${where}.${key}`);
  }
}

/** One argument: the same objects referenced; the same constant where the source writes a literal. */
async function compareExpression(planned: unknown, written: unknown, where: string): Promise<void> {
  const expression = (planned ?? {}) as { references?: string[]; constant_value?: unknown };
  const inPlan = new Set((expression.references ?? []).map(referencedObject));
  const inSource = await referencedObjects(written);
  if (!inSource) mismatch(`${where}: the source expression cannot be parsed`);
  const planList = [...inPlan].sort();
  const sourceList = [...inSource].sort();
  if (!isDeepStrictEqual(planList, sourceList))
    mismatch(`${where} refers to ${listed(sourceList)} in the source, to ${listed(planList)} in the plan`);
  if ("constant_value" in expression && isLiteral(written) && !sameValue(expression.constant_value, unescaped(written)))
    mismatch(
      `${where} is ${JSON.stringify(written)} in the source, ${JSON.stringify(expression.constant_value)} in the plan`,
    );
}

/** A plan expression ({references}, {constant_value}, or {} for neither), not a nested block. */
function isExpression(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return Object.keys(value).every((key) => key === "references" || key === "constant_value");
}

/**
 * Equal as terraform's type conversion sees them: a default of type list(map(string)) written with
 * numbers is recorded with strings ("100" for 100), so scalars compare by their text.
 */
function sameValue(a: unknown, b: unknown): boolean {
  const scalar = (v: unknown) => v === null || typeof v !== "object";
  if (scalar(a) || scalar(b))
    return a === b || (scalar(a) && scalar(b) && a !== null && b !== null && String(a) === String(b));
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].every((k) => sameValue(x[k], y[k]));
}

/** A literal of the source as terraform reads it: "$${" and "%%{" are escapes. */
function unescaped(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
  if (Array.isArray(value)) return value.map(unescaped);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unescaped(v)]));
  return value;
}

const listed = (objects: string[]): string => (objects.length ? objects.join(", ") : "nothing");

/** A value written without any expression: what the plan's constant_value must equal. */
function isLiteral(value: unknown): boolean {
  if (typeof value === "string") return !hasInterpolation(value);
  if (value !== null && typeof value === "object") return Object.values(value).every(isLiteral);
  return true;
}

/** Whether a string of the source holds an interpolation ("${", not the escape "$${"). */
export function hasInterpolation(text: string): boolean {
  return text.replace(/\$\$\{/g, "").includes("${");
}
