import { instanceKey, resourceAttribute, withoutModuleKeys } from "../plan/address";
import type { Plan, ResourceChange } from "../plan/types";
import type { Waiver } from "../types";
import { checkSourceMatchesPlan } from "./cross-check";
import {
  applySegments,
  entriesOf,
  evaluate,
  jsonencodeArgument,
  parsedTemplate,
  plainValue,
  type EvalContext,
  type Segment,
  type Value,
} from "./evaluate-expression";
import {
  Deadline,
  lineIndex,
  blockHeader,
  escapeRegExp,
  lineOf,
  readSourceModules,
  type HclBlock,
  type HclFile,
  type SourceFile,
  type SourceGaps,
  type SourceLimits,
  type SourceModule,
} from "./files";
import { readingSource } from "./hcl";
import { ParseCache } from "./parse-cache";
import { waiversFromComments } from "./waiver-comments";

/**
 * What the Terraform source adds to a plan, in the expression shape of the plan's `configuration`
 * ({constant_value} or {references}, plus `module`: the module instance the references are in, and
 * `source_location`: file:line), for the policies to consult where the plan has no answer:
 * - locals: module path -> name -> expression (plan JSON has no locals);
 * - blocks: config key -> block type -> the blocks a `dynamic` block generates, when its for_each is known in source;
 * - attributes: resource instance -> attribute -> expression, where an attribute needs each.* (for_each resources),
 *   and {json_document} for a policy written as jsonencode() whose JSON is known only after apply;
 * - data: data source instance -> its configuration, when it is known in source (read only at apply);
 * - outputs: module instance -> output -> expression (try(), coalesce() and conditionals evaluated,
 *   so that only the alternative the plan creates remains).
 * Attributes inside blocks are keyed by their path ("event_selector.0.data_resource.0.values"), map
 * attributes by key ("parameters.KeyArn"), with the keys a map sets under "parameters[*]".
 */
export interface SourceModel {
  readonly dir: string;
  readonly locals: Record<string, Record<string, Expression>>;
  readonly blocks: Record<string, Record<string, Array<Record<string, Expression>>>>;
  readonly attributes: Record<string, Record<string, Expression>>;
  readonly data: Record<string, { values: Record<string, unknown>; source_location: string }>;
  readonly outputs: Record<string, Record<string, Expression>>;
  /** config key -> the block types written as `dynamic` blocks (known or not). */
  readonly dynamic: Record<string, string[]>;
  readonly gaps: Record<string, string>;
  /** Waivers written as comments on resource blocks (waiversFromComments); not policy input. */
  readonly waivers: readonly Waiver[];
}

export type Expression = Record<string, unknown>;

interface ModuleInfo {
  readonly source: SourceModule;
  /** The module instance address when the path has a single instance (no count/for_each on the way). */
  readonly instance: string | null;
  readonly parent?: ModuleInfo;
  readonly call?: { args: Record<string, unknown>; file: SourceFile };
  /** each.* or count.index of this instance of a module called with for_each or count. */
  readonly callBindings?: ReadonlyMap<string, Value>;
  /** The for_each key or count index of this instance. */
  readonly key?: string | number;
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
/**
 * Attributes inside blocks, and map attributes per key, evaluated per resource instance: the plan's
 * configuration has one expression for a whole map, and none for a for-expression over module
 * instances (only "module.<name>").
 */
const NESTED_ATTRIBUTES: Record<string, (block: Record<string, unknown>) => Array<[string, unknown]>> = {
  aws_cloudtrail: (block) => [
    ...asBlocks(block.event_selector).flatMap((selector, i) =>
      asBlocks(selector.data_resource).map((resource, j): [string, unknown] => [
        `event_selector.${i}.data_resource.${j}.values`,
        resource.values,
      ]),
    ),
    ...asBlocks(block.advanced_event_selector).flatMap((selector, i) =>
      asBlocks(selector.field_selector).flatMap((field, k) =>
        FIELD_OPERATORS.filter((op) => field[op] !== undefined).map((op): [string, unknown] => [
          `advanced_event_selector.${i}.field_selector.${k}.${op}`,
          field[op],
        ]),
      ),
    ),
  ],
  aws_cloudformation_stack: (block) => [["parameters", block.parameters]],
};
const FIELD_OPERATORS = ["equals", "not_equals", "starts_with", "not_starts_with", "ends_with", "not_ends_with"];

/**
 * Policy documents written as jsonencode(...), by attribute path: where the JSON is known only after
 * apply (an ARN of a resource of the plan), the document is kept statement by statement
 * (documentExpression), so that the policies judge every part known before apply.
 */
const POLICY_ATTRIBUTES: Record<string, (block: Record<string, unknown>) => Array<[string, unknown]>> = {
  ...Object.fromEntries(
    [
      "aws_iam_policy",
      "aws_iam_role_policy",
      "aws_iam_user_policy",
      "aws_iam_group_policy",
      "aws_dynamodb_resource_policy",
      "aws_vpc_endpoint",
      "aws_vpc_endpoint_policy",
      "aws_s3_bucket_policy",
      "aws_kms_key",
      "aws_kms_replica_key",
      "aws_kms_key_policy",
      "aws_kinesis_resource_policy",
      "aws_backup_vault_policy",
    ].map((type) => [type, (block: Record<string, unknown>): Array<[string, unknown]> => [["policy", block.policy]]]),
  ),
  aws_iam_role: (block) => [
    ["assume_role_policy", block.assume_role_policy],
    ...asBlocks(block.inline_policy).map((inline, i): [string, unknown] => [
      `inline_policy.${i}.policy`,
      inline.policy,
    ]),
  ],
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
    const waivers = waiversFromComments(sources);
    const model = await new SourceModelBuilder(dir, sources, plan, deadline).build(gaps);
    await cache?.save(parsedTemplate);
    return { ...model, waivers };
  });
}

class SourceModelBuilder {
  private readonly modules = new Map<string, ModuleInfo>();
  private readonly addresses: Set<string>;
  private readonly changes: Map<string, ResourceChange>;
  private readonly localCache = new Map<string, Promise<Value>>();
  private readonly outputCache = new Map<string, Promise<Value>>();
  private readonly instanceCache = new Map<ModuleInfo, ModuleInfo[]>();

  constructor(
    private readonly dir: string,
    sources: SourceModule[],
    private readonly plan: Plan,
    private readonly deadline: Deadline,
  ) {
    this.addresses = new Set((plan.resource_changes ?? []).map((rc) => rc.address));
    this.changes = new Map((plan.resource_changes ?? []).map((rc) => [rc.address, rc]));
    for (const source of sources) this.addModule(source);
  }

  private addModule(source: SourceModule): void {
    if (source.path === "") {
      this.modules.set("", { source, instance: "" });
      return;
    }
    const parent = source.caller && this.modules.get(source.caller.path);
    const call = parent && findBlock(parent.source.files, "module", source.caller!.name);
    const repeated = !call || "count" in call.block || "for_each" in call.block;
    const instance = parent?.instance == null || repeated ? null : source.path;
    this.modules.set(source.path, { source, instance, parent, call: call && { args: call.block, file: call.file } });
  }

  async build(gaps: SourceGaps): Promise<Omit<SourceModel, "waivers">> {
    const model: Omit<SourceModel, "waivers"> = {
      dir: this.dir,
      locals: {},
      blocks: {},
      attributes: {},
      data: {},
      outputs: {},
      dynamic: {},
      gaps: Object.fromEntries(gaps),
    };
    for (const [path, info] of this.modules) {
      this.deadline.check();
      await this.addLocals(model, path, info);
      await this.addDynamicBlocks(model, path, info);
      const instances = info.instance !== null ? [info] : ((await this.instancesOf(info)) ?? []);
      for (const instance of instances) await this.addOutputs(model, instance);
    }
    for (const change of this.plan.resource_changes ?? []) {
      this.deadline.check();
      await this.addInstance(model, change);
    }
    return model;
  }

  private async addLocals(model: Omit<SourceModel, "waivers">, path: string, info: ModuleInfo): Promise<void> {
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

  /** The outputs of a module instance (not of the root module: nothing in the plan refers to them). */
  private async addOutputs(model: Omit<SourceModel, "waivers">, info: ModuleInfo): Promise<void> {
    if (!info.parent || info.instance === null) return;
    for (const file of info.source.files) {
      for (const [name, blocks] of Object.entries(file.body.output ?? {})) {
        const value = await this.output(info, name);
        const location = lineOf(file, blockHeader("output", name));
        const expression = toExpression(value, location, info);
        if (expression && asBlocks(blocks).length > 0) (model.outputs[info.instance] ??= {})[name] = expression;
      }
    }
  }

  /**
   * The instances of a module called with for_each or count, when the collection is known in source
   * and its caller is a single instance: each with its own address and each.* or count.index bound.
   */
  private async instancesOf(info: ModuleInfo): Promise<ModuleInfo[] | undefined> {
    const parent = info.parent;
    if (!parent || parent.instance === null || !info.call) return undefined;
    const cached = this.instanceCache.get(info);
    if (cached) return cached;
    const name = info.source.caller!.name;
    const base = parent.instance ? `${parent.instance}.module.${name}` : `module.${name}`;
    const ctx = this.context(parent, new Map());
    let found: ModuleInfo[] | undefined;
    if (info.call.args.for_each !== undefined) {
      const collection = await evaluate(info.call.args.for_each, ctx);
      const entries = entriesOf(collection);
      // A set of strings (toset) is keyed by its values; a map by its keys.
      const bySet = collection.kind === "list" || (collection.kind === "known" && Array.isArray(collection.value));
      found = entries?.every(([, v]) => !bySet || (v.kind === "known" && typeof v.value === "string"))
        ? entries.map(([k, v]) => {
            const key = bySet ? ((v as { value: string }).value as string) : String(k);
            const each: Value = { kind: "map", fields: { key: { kind: "known", value: key }, value: v } };
            return { ...info, instance: base + instanceKey(key), key, callBindings: new Map([["each", each]]) };
          })
        : undefined;
    } else if (info.call.args.count !== undefined) {
      const count = plainValue(await evaluate(info.call.args.count, ctx));
      found =
        typeof count === "number"
          ? Array.from({ length: count }, (_, i) => ({
              ...info,
              instance: base + instanceKey(i),
              key: i,
              callBindings: new Map<string, Value>([
                ["count", { kind: "map", fields: { index: { kind: "known", value: i } } }],
              ]),
            }))
          : undefined;
    }
    if (found) this.instanceCache.set(info, found);
    return found;
  }

  /** An output of a module instance, or undefined when the module does not declare it. */
  private output(info: ModuleInfo, name: string): Promise<Value> {
    const key = `${info.instance}|${name}`;
    let value = this.outputCache.get(key);
    if (!value) {
      const declared = findBlock(info.source.files, "output", name);
      value = declared
        ? evaluate(declared.block.value, this.context(info, new Map()))
        : Promise.resolve({ kind: "unknown", why: `output ${name} (not declared)` });
      this.outputCache.set(key, value);
    }
    return value;
  }

  /**
   * module.<name> of a module called with for_each or count: its instances (a map by key, a list by
   * index), each an object of its outputs, so that a for-expression over them reads every instance.
   * An output not evaluated in source stays a reference to it, which the policies follow.
   */
  private async moduleInstances(info: ModuleInfo, name: string): Promise<Value | undefined> {
    const path = info.source.path ? `${info.source.path}.module.${name}` : `module.${name}`;
    const child = this.modules.get(path);
    if (!child?.call || !("for_each" in child.call.args || "count" in child.call.args)) return undefined;
    const instances = await this.instancesOf(child);
    if (!instances) return undefined;
    const outputs = [...new Set(child.source.files.flatMap((file) => Object.keys(file.body.output ?? {})))];
    const values: Array<[string, Value]> = [];
    for (const instance of instances) {
      const fields: Record<string, Value> = {};
      for (const output of outputs) {
        const value = await this.output(instance, output);
        const local = instance.instance!.slice(info.instance ? info.instance.length + 1 : 0);
        fields[output] =
          value.kind === "unknown" ? { kind: "refs", module: info.instance!, refs: [`${local}.${output}`] } : value;
      }
      values.push([String(instance.key), { kind: "map", fields }]);
    }
    if ("count" in child.call.args) return { kind: "list", items: values.map(([, v]) => v) };
    return { kind: "map", fields: Object.fromEntries(values) };
  }

  /** Dynamic blocks of a module's resources whose for_each is known in source, expanded. */
  private async addDynamicBlocks(model: Omit<SourceModel, "waivers">, path: string, info: ModuleInfo): Promise<void> {
    for (const file of info.source.files) {
      for (const [type, named] of Object.entries(file.body.resource ?? {})) {
        for (const [name, blocks] of Object.entries(named)) {
          const dynamic = asBlocks(asBlocks(blocks)[0]?.dynamic);
          const start = lineIndex(file, blockHeader("resource", type, name));
          for (const group of dynamic) {
            for (const [blockType, specs] of Object.entries(group)) {
              const key = path ? `${path}.${type}.${name}` : `${type}.${name}`;
              (model.dynamic[key] ??= []).push(blockType);
              const location = lineOf(file, blockHeader("dynamic", blockType), start);
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
    spec: HclBlock | undefined,
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
  private async addInstance(model: Omit<SourceModel, "waivers">, change: ResourceChange): Promise<void> {
    const info = await this.moduleInstance(change.module_address ?? "");
    if (!info) return;
    const kind = change.mode === "data" ? "data" : "resource";
    // Own keys: a type named after an Object.prototype member ("constructor") is in no table.
    const evaluated = [INSTANCE_ATTRIBUTES, NESTED_ATTRIBUTES, POLICY_ATTRIBUTES].some((table) =>
      Object.hasOwn(table, change.type),
    );
    if (kind === "resource" && !evaluated) return;
    if (kind === "data" && !CONSTANT_DATA_TYPES.has(change.type)) return;
    const found = findBlock(info.source.files, kind, change.type, change.name);
    if (!found) return;
    const bindings = await this.eachBindings(info, found.block, change);
    if (!bindings) return;
    const ctx = this.context(info, bindings);
    const location = lineOf(found.file, blockHeader(kind, change.type, change.name));
    if (kind === "resource") {
      for (const attribute of Object.hasOwn(INSTANCE_ATTRIBUTES, change.type) ? INSTANCE_ATTRIBUTES[change.type] : []) {
        const expression = toExpression(await evaluate(found.block[attribute], ctx), location, info);
        if (expression) (model.attributes[change.address] ??= {})[attribute] = expression;
      }
      for (const [path, raw] of Object.hasOwn(NESTED_ATTRIBUTES, change.type)
        ? NESTED_ATTRIBUTES[change.type](found.block)
        : []) {
        const value = await evaluate(raw, ctx);
        // A map attribute: each key on its own (a value of one key is not a value of another).
        const parts: Array<[string, Value]> =
          value.kind === "map" ? Object.entries(value.fields).map(([k, v]) => [`${path}.${k}`, v]) : [[path, value]];
        // The keys a map sets, under "<path>[*]": a key it leaves out is unset (a parameter's Default applies).
        if (value.kind === "map") parts.push([`${path}[*]`, { kind: "known", value: Object.keys(value.fields) }]);
        for (const [key, part] of parts) {
          const expression = toExpression(part, location, info);
          if (expression) (model.attributes[change.address] ??= {})[key] = expression;
        }
      }
      for (const [path, raw] of Object.hasOwn(POLICY_ATTRIBUTES, change.type)
        ? POLICY_ATTRIBUTES[change.type](found.block)
        : []) {
        const document = documentExpression(await jsonencodeArgument(raw, ctx), location, info);
        if (document) (model.attributes[change.address] ??= {})[path] = document;
      }
      return;
    }
    const values = await knownValues(found.block, ctx);
    if (values) model.data[change.address] = { values, source_location: location };
  }

  /** The module instance at an address: a module called once, or one instance of a for_each or count call. */
  private async moduleInstance(address: string): Promise<ModuleInfo | undefined> {
    const info = this.modules.get(withoutModuleKeys(address));
    if (!info || info.instance !== null) return info;
    return (await this.instancesOf(info))?.find((instance) => instance.instance === address);
  }

  /** each.key/each.value of a for_each instance (from its address), count.index of a count instance. */
  private async eachBindings(
    info: ModuleInfo,
    block: HclBlock,
    change: ResourceChange,
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
    return {
      bindings,
      traverse: (root, segments) => this.traverse(info, root, segments),
      planned: (value) => this.planned(value),
    };
  }

  /** An attribute of a resource instance (one reference) as the plan plans it, when known before apply. */
  private planned(value: Value): Value | undefined {
    if (value.kind !== "refs" || value.refs.length !== 1) return undefined;
    const reference = resourceAttribute(value.refs[0]);
    if (!reference) return undefined;
    const [resource, attribute] = reference;
    const change = this.changes.get(value.module ? `${value.module}.${resource}` : resource)?.change;
    const after = change?.after as Record<string, unknown> | undefined;
    const unknown = change?.after_unknown as Record<string, unknown> | undefined;
    if (!after || !(attribute in after) || unknown?.[attribute] === true) return undefined;
    return { kind: "known", value: after[attribute] };
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
  private async objectReference(info: ModuleInfo, root: string, segments: Segment[]): Promise<Value> {
    const width = root === "data" ? 2 : 1;
    const base = [root, ...segments.slice(0, width).map(nameOf)].join(".");
    const value: Value = { kind: "refs", module: info.instance!, refs: [base] };
    if (root === "module") {
      const instances = await this.moduleInstances(info, base.slice("module.".length));
      return applySegments(instances ?? value, segments.slice(width));
    }
    const first = segments[width];
    const qualified = info.instance ? `${info.instance}.${base}` : base;
    if (first && "index" in first && first.index.kind === "known" && root !== "data") {
      const key = first.index.value;
      const instance = typeof key === "string" || typeof key === "number" ? qualified + instanceKey(key) : undefined;
      if (!instance || !this.addresses.has(instance)) return { kind: "absent" };
    }
    return applySegments(value, segments.slice(width));
  }

  private async variable(info: ModuleInfo, name: string): Promise<Value> {
    if (!info.parent) {
      const planned = this.plan.variables?.[name];
      return planned && "value" in planned
        ? { kind: "known", value: planned.value }
        : { kind: "unknown", why: `var.${name}` };
    }
    if (info.call && name in info.call.args)
      return evaluate(info.call.args[name], this.context(info.parent, info.callBindings ?? new Map()));
    const declared = findBlock(info.source.files, "variable", name);
    if (!declared) return { kind: "unknown", why: `var.${name} (not declared)` };
    return { kind: "known", value: declared.block.default ?? null };
  }

  private local(info: ModuleInfo, name: string): Promise<Value> {
    // Per instance: an instance of a for_each or count call binds its own arguments.
    const key = `${info.instance ?? info.source.path}|${name}`;
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

function nameOf(segment: Segment | undefined): string {
  return segment && "name" in segment ? segment.name : "";
}

/** The blocks of a type: hcl2json's list, or the one object a .tf.json may write. */
function asBlocks(value: unknown): HclBlock[] {
  if (Array.isArray(value)) return value;
  return value && typeof value === "object" ? [value as HclBlock] : [];
}

function findBlock(
  files: readonly SourceFile[],
  kind: keyof HclFile,
  ...names: string[]
): { block: HclBlock; file: SourceFile } | undefined {
  for (const file of files) {
    let node: unknown = file.body[kind];
    for (const name of names)
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[name] : undefined;
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
  return lineOf(file, new RegExp(`^${indent}${escapeRegExp(name)}\\s*=`), start);
}

/** The configuration of a data source when every argument of it is known in source. */
async function knownValues(block: HclBlock, ctx: EvalContext): Promise<Record<string, unknown> | undefined> {
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

/** Marks a part of a policy document known only after apply (documentExpression). */
export const AFTER_APPLY = "ddb-guardrails:known-after-apply";

/**
 * The value given to jsonencode() when it is not entirely known in source: {json_document}, the
 * JSON with each part known only after apply replaced by {AFTER_APPLY: <its expression>} (what it
 * references, or {unknown: why} when that cannot be said). Undefined when the JSON is known (the
 * plan has it) or not given, or when the document itself uses the marker as a key.
 */
export function documentExpression(
  value: Value | undefined,
  location: string,
  info: { instance: string | null },
): Expression | undefined {
  if (value === undefined || plainValue(value) !== undefined) return undefined;
  const tree = jsonTree(value, location, info);
  return tree === undefined ? undefined : { json_document: tree, source_location: location };
}

function jsonTree(value: Value, location: string, info: { instance: string | null }): unknown {
  if (value.kind === "known")
    return JSON.stringify(value.value ?? null).includes(JSON.stringify(AFTER_APPLY)) ? undefined : value.value;
  if (value.kind === "list") {
    const items = value.items.map((item) => jsonTree(item, location, info));
    return items.includes(undefined) ? undefined : items;
  }
  if (value.kind === "map") {
    if (AFTER_APPLY in value.fields) return undefined;
    const fields = Object.entries(value.fields).map(([k, v]) => [k, jsonTree(v, location, info)] as const);
    return fields.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(fields);
  }
  const why = value.kind === "unknown" ? value.why : "a value not known before apply";
  return { [AFTER_APPLY]: toExpression(value, location, info) ?? { unknown: why } };
}
