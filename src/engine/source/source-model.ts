import type { Plan } from "../plan/read-plan";
import { checkSourceMatchesPlan } from "./cross-check";
import {
  applySegments,
  entriesOf,
  evaluate,
  parsedTemplate,
  plainValue,
  type EvalContext,
  type Segment,
  type Value,
} from "./evaluate-expression";
import {
  Deadline,
  lineIndex,
  lineOf,
  readSourceModules,
  type SourceFile,
  type SourceGaps,
  type SourceLimits,
  type SourceModule,
} from "./files";
import { readingSource } from "./hcl";
import { ParseCache } from "./parse-cache";

/**
 * What the Terraform source adds to a plan, in the expression shape of the plan's `configuration`
 * ({constant_value} or {references}, plus `module`: the module instance the references are in, and
 * `source_location`: file:line), for the policies to consult where the plan has no answer:
 * - locals: module path -> name -> expression (plan JSON has no locals);
 * - blocks: config key -> block type -> the blocks a `dynamic` block generates, when its for_each is known in source;
 * - attributes: resource instance -> attribute -> expression, where an attribute needs each.* (for_each resources);
 * - data: data source instance -> its configuration, when it is known in source (read only at apply).
 */
export interface SourceModel {
  readonly dir: string;
  readonly locals: Record<string, Record<string, Expression>>;
  readonly blocks: Record<string, Record<string, Array<Record<string, Expression>>>>;
  readonly attributes: Record<string, Record<string, Expression>>;
  readonly data: Record<string, { values: Record<string, unknown>; source_location: string }>;
  /** config key -> the block types written as `dynamic` blocks (known or not). */
  readonly dynamic: Record<string, string[]>;
  readonly gaps: Record<string, string>;
}

export type Expression = Record<string, unknown>;

interface ModuleInfo {
  readonly source: SourceModule;
  /** The module instance address when the path has a single instance (no count/for_each on the way). */
  readonly instance: string | null;
  readonly parent?: ModuleInfo;
  readonly call?: { args: Record<string, unknown>; file: SourceFile };
}

/**
 * Attributes evaluated per resource instance, where the plan's expression is too coarse: each.* of
 * for_each resources (one expression for every instance), and policies that modules assemble with
 * replace() (the plan only lists what they reference).
 */
const INSTANCE_ATTRIBUTES: Record<string, string[]> = {
  aws_vpc_endpoint: ["service_name", "vpc_id", "route_table_ids", "policy"],
  aws_dynamodb_resource_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_group_policy_attachment: ["policy_arn"],
};
/** Data sources whose constant configuration says what a resource is. */
const CONSTANT_DATA_TYPES = new Set(["aws_vpc_endpoint_service"]);

/** Reads the source behind a plan and builds the model the policies receive as input.source. */
export function buildSourceModel(dir: string, plan: Plan, limits: SourceLimits = {}): Promise<SourceModel> {
  return readingSource(async () => {
    const gaps: SourceGaps = new Map();
    const deadline = new Deadline(limits.timeoutSeconds);
    const cache = ParseCache.open();
    const sources = await readSourceModules(dir, gaps, limits, deadline, cache);
    // A plan without configuration is refused before (checkPlan), unless it has nothing to judge.
    if (plan.configuration) await checkSourceMatchesPlan(sources, gaps, plan);
    const model = await new SourceModelBuilder(dir, sources, plan, deadline).build(gaps);
    await cache?.save(parsedTemplate);
    return model;
  });
}

class SourceModelBuilder {
  private readonly modules = new Map<string, ModuleInfo>();
  private readonly addresses: Set<string>;
  private readonly localCache = new Map<string, Promise<Value>>();

  constructor(
    private readonly dir: string,
    sources: SourceModule[],
    private readonly plan: Plan,
    private readonly deadline: Deadline,
  ) {
    this.addresses = new Set((plan.resource_changes ?? []).map((rc) => (rc as { address: string }).address));
    for (const source of sources) this.addModule(source);
  }

  private addModule(source: SourceModule): void {
    if (source.path === "") {
      this.modules.set("", { source, instance: "" });
      return;
    }
    const parentPath = source.path.replace(/\.?module\.[A-Za-z0-9_-]+$/, "");
    const parent = this.modules.get(parentPath);
    const name = /module\.([A-Za-z0-9_-]+)$/.exec(source.path)![1];
    const call = parent && findBlock(parent.source.files, "module", name);
    const repeated = !call || "count" in call.block || "for_each" in call.block;
    const instance = parent?.instance == null || repeated ? null : source.path;
    this.modules.set(source.path, { source, instance, parent, call: call && { args: call.block, file: call.file } });
  }

  async build(gaps: SourceGaps): Promise<SourceModel> {
    const model: SourceModel = {
      dir: this.dir,
      locals: {},
      blocks: {},
      attributes: {},
      data: {},
      dynamic: {},
      gaps: Object.fromEntries(gaps),
    };
    for (const [path, info] of this.modules) {
      this.deadline.check();
      await this.addLocals(model, path, info);
      await this.addDynamicBlocks(model, path, info);
    }
    for (const change of this.plan.resource_changes ?? []) {
      this.deadline.check();
      await this.addInstance(model, change as PlanChange);
    }
    return model;
  }

  private async addLocals(model: SourceModel, path: string, info: ModuleInfo): Promise<void> {
    for (const file of info.source.files) {
      const starts = file.lines.flatMap((line, i) => (/^\s*locals\s*\{/.test(line) ? [i] : []));
      for (const [k, block] of asBlocks(file.body.locals).entries()) {
        for (const name of Object.keys(block)) {
          const value = await this.local(info, name);
          const expression = toExpression(value, localLine(file, name, starts[k] ?? 0), info);
          if (expression) (model.locals[path] ??= {})[name] = expression;
        }
      }
    }
  }

  /** Dynamic blocks of a module's resources whose for_each is known in source, expanded. */
  private async addDynamicBlocks(model: SourceModel, path: string, info: ModuleInfo): Promise<void> {
    for (const file of info.source.files) {
      for (const [type, named] of Object.entries(file.body.resource ?? {})) {
        for (const [name, blocks] of Object.entries(named as Record<string, unknown>)) {
          const dynamic = asBlocks(asBlocks(blocks)[0]?.dynamic);
          const start = lineIndex(file, new RegExp(`^\\s*resource\\s+"${type}"\\s+"${name}"`));
          for (const group of dynamic) {
            for (const [blockType, specs] of Object.entries(group)) {
              const key = path ? `${path}.${type}.${name}` : `${type}.${name}`;
              (model.dynamic[key] ??= []).push(blockType);
              const location = lineOf(file, new RegExp(`^\\s*dynamic\\s+"${blockType}"`), start);
              const generated = await this.expandDynamic(info, asBlocks(specs)[0], blockType, location);
              if (!generated) continue;
              ((model.blocks[key] ??= {})[blockType] ??= []).push(...generated);
            }
          }
        }
      }
    }
  }

  private async expandDynamic(
    info: ModuleInfo,
    spec: any,
    blockType: string,
    location: string,
  ): Promise<Array<Record<string, Expression>> | undefined> {
    if (!spec || info.instance === null) return undefined;
    const ctx = this.context(info, new Map());
    const entries = entriesOf(await evaluate(spec.for_each, ctx));
    if (!entries) return undefined;
    const iterator = typeof spec.iterator === "string" ? spec.iterator : blockType;
    const content = asBlocks(spec.content)[0] ?? {};
    const generated: Array<Record<string, Expression>> = [];
    for (const [key, value] of entries) {
      const bindings = new Map<string, Value>([
        [iterator, { kind: "map", fields: { key: { kind: "known", value: key }, value } }],
      ]);
      const block: Record<string, Expression> = {};
      for (const [attribute, raw] of Object.entries(content)) {
        if (attribute === "dynamic") continue;
        const expression = toExpression(await evaluate(raw, this.context(info, bindings)), location, info);
        if (expression) block[attribute] = expression;
      }
      generated.push(block);
    }
    return generated;
  }

  /** Per-instance attributes of for_each resources and constant configuration of data sources. */
  private async addInstance(model: SourceModel, change: PlanChange): Promise<void> {
    const module = change.module_address ?? "";
    const info = this.modules.get(stripKeys(module));
    if (!info || info.instance === null) return;
    const kind = change.mode === "data" ? "data" : "resource";
    if (kind === "resource" && !INSTANCE_ATTRIBUTES[change.type]) return;
    if (kind === "data" && !CONSTANT_DATA_TYPES.has(change.type)) return;
    const found = findBlock(info.source.files, kind, change.type, change.name);
    if (!found) return;
    const bindings = await this.eachBindings(info, found.block, change);
    if (!bindings) return;
    const ctx = this.context(info, bindings);
    const location = lineOf(found.file, new RegExp(`^\\s*${kind}\\s+"${change.type}"\\s+"${change.name}"`));
    if (kind === "resource") {
      for (const attribute of INSTANCE_ATTRIBUTES[change.type]) {
        const expression = toExpression(await evaluate(found.block[attribute], ctx), location, info);
        if (expression) (model.attributes[change.address] ??= {})[attribute] = expression;
      }
      return;
    }
    const values = await knownValues(found.block, ctx);
    if (values) model.data[change.address] = { values, source_location: location };
  }

  /** each.key/each.value of a for_each instance (from its address), count.index of a count instance. */
  private async eachBindings(
    info: ModuleInfo,
    block: any,
    change: PlanChange,
  ): Promise<Map<string, Value> | undefined> {
    const key = change.index;
    if (block.for_each === undefined) {
      return new Map(
        typeof key === "number" ? [["count", { kind: "map", fields: { index: { kind: "known", value: key } } }]] : [],
      );
    }
    const collection = await evaluate(block.for_each, this.context(info, new Map()));
    const entry = entriesOf(collection)?.find(([k, v]) => k === key || (v.kind === "known" && v.value === key));
    if (!entry) return undefined;
    const value =
      collection.kind === "list" || (collection.kind === "known" && Array.isArray(collection.value))
        ? { kind: "known" as const, value: key }
        : entry[1];
    return new Map([["each", { kind: "map", fields: { key: { kind: "known", value: key }, value } }]]);
  }

  private context(info: ModuleInfo, bindings: ReadonlyMap<string, Value>): EvalContext {
    return { bindings, traverse: (root, segments) => this.traverse(info, root, segments) };
  }

  private async traverse(info: ModuleInfo, root: string, segments: Segment[]): Promise<Value> {
    if (root === "var") return applySegments(await this.variable(info, nameOf(segments[0])), segments.slice(1));
    if (root === "local") return applySegments(await this.local(info, nameOf(segments[0])), segments.slice(1));
    if (["each", "count", "self", "path", "terraform"].includes(root))
      return { kind: "unknown", why: `${root}.* here` };
    if (info.instance === null) return { kind: "unknown", why: "a module with count or for_each" };
    return this.objectReference(info, root, segments);
  }

  /** A resource, data source or module output: references (absent when the plan has no such instance). */
  private objectReference(info: ModuleInfo, root: string, segments: Segment[]): Promise<Value> {
    const width = root === "data" ? 2 : 1;
    const base = [root, ...segments.slice(0, width).map(nameOf)].join(".");
    const value: Value = { kind: "refs", module: info.instance!, refs: [base] };
    if (root === "module") return applySegments(value, segments.slice(width));
    const first = segments[width];
    const qualified = info.instance ? `${info.instance}.${base}` : base;
    if (first && "index" in first && first.index.kind === "known" && root !== "data") {
      const instance = `${qualified}[${JSON.stringify(first.index.value)}]`;
      if (!this.addresses.has(instance)) return Promise.resolve({ kind: "absent" });
    }
    return applySegments(value, segments.slice(width));
  }

  private async variable(info: ModuleInfo, name: string): Promise<Value> {
    if (!info.parent) {
      const planned = (this.plan.variables as Record<string, { value?: unknown }> | undefined)?.[name];
      return planned && "value" in planned
        ? { kind: "known", value: planned.value }
        : { kind: "unknown", why: `var.${name}` };
    }
    if (info.call && name in info.call.args)
      return evaluate(info.call.args[name], this.context(info.parent, new Map()));
    const declared = findBlock(info.source.files, "variable", name);
    if (!declared) return { kind: "unknown", why: `var.${name} (not declared)` };
    return { kind: "known", value: declared.block.default ?? null };
  }

  private local(info: ModuleInfo, name: string): Promise<Value> {
    const key = `${info.source.path}|${name}`;
    let value = this.localCache.get(key);
    if (!value) {
      this.localCache.set(key, Promise.resolve({ kind: "unknown", why: `local.${name} (refers to itself)` }));
      const raw = info.source.files.flatMap((f) => asBlocks(f.body.locals)).find((b) => name in b)?.[name];
      value =
        raw === undefined
          ? Promise.resolve({ kind: "unknown", why: `local.${name} (not declared)` })
          : evaluate(raw, this.context(info, new Map()));
      this.localCache.set(key, value);
    }
    return value;
  }
}

interface PlanChange {
  address: string;
  mode: string;
  type: string;
  name: string;
  index?: string | number;
  module_address?: string;
}

function nameOf(segment: Segment | undefined): string {
  return segment && "name" in segment ? segment.name : "";
}

function asBlocks(value: unknown): Array<Record<string, any>> {
  if (Array.isArray(value)) return value;
  return value && typeof value === "object" ? [value as Record<string, any>] : [];
}

function findBlock(
  files: readonly SourceFile[],
  kind: string,
  ...names: string[]
): { block: Record<string, any>; file: SourceFile } | undefined {
  for (const file of files) {
    let node: any = file.body[kind];
    for (const name of names) node = node?.[name];
    const block = asBlocks(node)[0];
    if (block) return { block, file };
  }
  return undefined;
}

/**
 * file:line of a local: an attribute at the indentation of the first one of its locals block, so that
 * a key of a map written above it (cloudposse/label/null's local.defaults.delimiter) is passed over.
 */
function localLine(file: SourceFile, name: string, start: number): string {
  const first = file.lines.findIndex((line, i) => i > start && /^\s*[A-Za-z_]/.test(line));
  const indent = first < 0 ? "\\s*" : /^\s*/.exec(file.lines[first])![0];
  return lineOf(file, new RegExp(`^${indent}${name}\\s*=`), start);
}

/** "module.a[0].module.b" -> "module.a.module.b" */
function stripKeys(address: string): string {
  return address.replace(/\[[^\]]*\]/g, "");
}

/** The configuration of a data source when every argument of it is known in source. */
async function knownValues(block: Record<string, any>, ctx: EvalContext): Promise<Record<string, unknown> | undefined> {
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(block)) {
    if (name === "for_each" || name === "count" || name === "depends_on" || name === "provider") continue;
    const known = plainValue(await evaluate(raw, ctx));
    if (known === undefined) return undefined;
    values[name] = known;
  }
  return values;
}

/**
 * A value as a plan-configuration expression: {constant_value} when known, {references} (with the
 * module instance they are in) when it comes from objects of the plan, {any_of} for one of several.
 * Undefined when it cannot be said: the policies then keep the reference unresolved.
 */
export function toExpression(
  value: Value,
  location: string,
  info: { instance: string | null },
): Expression | undefined {
  const known = plainValue(value);
  if (known !== undefined) return { constant_value: known, source_location: location };
  if (value.kind === "refs") {
    if (value.module !== info.instance && info.instance === null) return undefined;
    return { references: value.refs, module: value.module, source_location: location };
  }
  if (value.kind === "list" || value.kind === "map") {
    // Like a plan's references for a composite: the objects it holds (a superset of each element,
    // for each.value). Only when it holds nothing else: its constants (names, flags) would pass for
    // the value of an element.
    const values = value.kind === "list" ? value.items : Object.values(value.fields);
    if (!values.every((v) => v.kind === "refs")) return undefined;
    return toExpression({ kind: "any", values }, location, info);
  }
  if (value.kind === "any") {
    const options = value.values.map((v) => toExpression(v, location, info));
    if (options.some((o) => o === undefined)) return undefined;
    // Flat: the policies read one level of choices.
    const flat = options.flatMap((o) => (Array.isArray(o!.any_of) ? (o!.any_of as Expression[]) : [o!]));
    return { any_of: flat, source_location: location };
  }
  return undefined;
}
