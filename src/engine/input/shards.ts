import { moduleCallName, moduleSteps, referencedObject, withoutInstanceKey } from "../plan/address";
import { opensContainer, parseEmbeddedJson } from "../plan/strict-json";
import { references } from "./reference-objects";
import type { ConfigModule, Plan, StateModule } from "../plan/types";
import { collectGarbage } from "../policy/collect-garbage";

/**
 * Resource types a rule reads across the whole plan: a table is judged against every trail, event
 * rule, metric filter and Config rule of the plan, wherever it is declared. Each of them (with what it
 * references) is given to every shard. test/engine/shards.test.ts fails when a policy names a
 * resource type that is in neither this list nor LINKED_TYPES.
 */
export const PLAN_WIDE_TYPES: ReadonlySet<string> = new Set([
  // A backup selection may name every table ("*"); its plan and vault policy go with it.
  "aws_backup_plan",
  "aws_backup_selection",
  "aws_backup_vault_policy",
  "aws_cloudtrail",
  "aws_cloudwatch_event_rule",
  "aws_cloudwatch_event_target",
  "aws_cloudwatch_log_metric_filter",
  "aws_config_config_rule",
  "aws_config_delivery_channel",
  "aws_s3_account_public_access_block",
]);

/**
 * Resource types the rules relate only to what they reference or name (in their configuration or by a
 * known ARN, id or name): they go with the resources they are linked to. An alarm on a table's metric
 * is linked to its table; any other alarm may watch a log metric filter's metric and is plan-wide. A log
 * group goes with the trail that delivers to it and the metric filters that read it (both plan-wide).
 */
export const LINKED_TYPES: ReadonlySet<string> = new Set([
  "aws_cloudcontrolapi_resource",
  "aws_cloudformation_stack",
  "aws_cloudformation_stack_set",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_dax_cluster",
  "aws_default_route_table",
  "aws_dynamodb_contributor_insights",
  "aws_dynamodb_kinesis_streaming_destination",
  "aws_dynamodb_resource_policy",
  "aws_dynamodb_table",
  "aws_dynamodb_table_export",
  "aws_dynamodb_table_replica",
  "aws_ecs_service",
  "aws_iam_group_policy",
  "aws_iam_group_policy_attachment",
  "aws_iam_group_policy_attachments_exclusive",
  "aws_iam_policy",
  "aws_iam_policy_attachment",
  "aws_iam_policy_document",
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_role_policy_attachments_exclusive",
  "aws_iam_user",
  "aws_iam_user_policy",
  "aws_iam_user_policy_attachment",
  "aws_iam_user_policy_attachments_exclusive",
  "aws_instance",
  "aws_kinesis_resource_policy",
  "aws_kinesis_stream",
  "aws_kms_alias",
  "aws_kms_external_key",
  "aws_kms_grant",
  "aws_kms_key",
  "aws_kms_key_policy",
  "aws_kms_replica_external_key",
  "aws_kms_replica_key",
  "aws_lambda_function",
  "aws_route_table_association",
  "aws_s3_bucket",
  "aws_s3_bucket_object_lock_configuration",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_ssoadmin_customer_managed_policy_attachment",
  "aws_ssoadmin_managed_policy_attachment",
  "aws_ssoadmin_permission_set_inline_policy",
  "aws_subnet",
  "aws_vpc",
  "aws_vpc_endpoint",
  "aws_vpc_endpoint_policy",
  "aws_vpc_endpoint_route_table_association",
  "awscc_dynamodb_global_table",
  "awscc_dynamodb_table",
]);

/** Tables whose writers must deny these attributes: every writer in the plan is judged against them. */
const PROTECTED_ATTRIBUTES_TAG = "ddb-guardrails:protected-attributes";

/**
 * Top-level attributes that name a resource for others: a known value of one of them written in
 * another resource (as is, or as the resource part of an ARN) links the two. The name of an inline
 * policy is only unique within its principal, and names nothing another resource could point to.
 */
const IDENTITY_KEYS = ["arn", "id", "name", "bucket", "key_id", "function_name", "alarm_name"] as const;
const UNNAMED_TYPES = new Set(["aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"]);

/** References that name no resource the rules follow: plan-wide constants, or values of the instance itself. */
// Locals are followed only with the Terraform source, and a plan read with its source is not sharded.
const NOT_RESOURCES = /^(var|local|path|terraform|count|each|self)\./;

/**
 * From this many resources a full garbage collection follows linking: at 10,000 resources it took 20-25
 * ms of the main thread, while the evaluation threads waited, for memory that was no concern there.
 */
const COLLECT_FROM_ITEMS = 25_000;

/** One part of a plan, evaluated on its own; its findings count only for the addresses it owns. */
export interface PlanShard {
  readonly plan: Plan;
  /** Addresses whose findings come from this shard; the plan-wide resources it holds too are owned elsewhere. */
  readonly owned: ReadonlySet<string>;
}

export interface ShardOptions {
  /** Most resources (besides the plan-wide ones) in one shard: components are packed up to it. */
  readonly maxResources: number;
  /**
   * Threads the shards are spread over: their number is rounded up to a multiple of it and their sizes
   * evened out, so that no thread is left with one more shard than the others. @default 1
   */
  readonly threads?: number;
}

interface Item {
  readonly address: string;
  readonly type: string;
  /** "" for the root module. */
  readonly module: string;
  readonly values: unknown;
  /** The values before the change (updates and deletes): what a change rule compares, linked alike. */
  readonly previous?: unknown;
  readonly managed: boolean;
}

/**
 * The plan split into shards that the rules judge exactly as the whole plan: connected components of
 * what links resources (references in the configuration, known ARNs, ids and names written in other
 * resources, a module instance with everything in it), each given the plan-wide resources
 * (PLAN_WIDE_TYPES, tables with protected attributes) and what they reference. Undefined when the
 * plan does not split into more than one shard: it is judged whole, as before.
 * Shards never see the Terraform source: a plan read with its source is judged whole.
 */
export function shardPlan(plan: Plan, options: ShardOptions): PlanShard[] | undefined {
  const items = planItems(plan);
  if (items.length === 0) return undefined;
  const graph = new Graph(items.length);
  const bases = new Map<string, number[]>();
  for (const [i, item] of items.entries()) {
    const base = baseAddress(item);
    const instances = bases.get(base);
    if (instances) instances.push(i);
    else bases.set(base, [i]);
    // Everything in a module instance below the root goes together: its references (variables,
    // outputs, nested modules) are resolved per instance by the rules.
    if (item.module !== "") graph.group(topModuleInstance(item.module), i);
  }
  linkRootConfiguration(plan, items, bases, graph);
  const bindingTags = linkByValue(items, graph);

  const planWide = planWideClosure(items, graph, bindingTags);
  // Plan-wide resources are in every shard: when they are most of the plan, shards would only repeat it.
  if (planWide.size * 2 > items.length) return undefined;
  // Each component whole, in plan order; a shard ends where the running total reaches the next of
  // `count` even parts of the plan (never past maxResources). A plan-wide component is owned by the
  // shard it is packed into, like any other.
  const components = [...graph.components()].map((members) => ({
    members,
    managed: members.filter((i) => items[i].managed).length,
  }));
  const total = components.reduce((sum, c) => sum + c.managed, 0);
  const threads = options.threads ?? 1;
  let count = Math.ceil(total / options.maxResources);
  if (count < 2) return undefined;
  count = Math.ceil(count / threads) * threads;
  const packed: number[][] = [];
  let current: number[] = [];
  let size = 0;
  let packedSoFar = 0;
  const endShard = () => {
    packed.push(current);
    current = [];
    size = 0;
  };
  for (const { members, managed } of components) {
    if (current.length > 0 && size + managed > options.maxResources) endShard();
    current.push(...members);
    size += managed;
    packedSoFar += managed;
    // The last part takes whatever is left (data sources after the last resource among them).
    if (packed.length + 1 < count && packedSoFar * count >= (packed.length + 1) * total) endShard();
  }
  if (current.length > 0) packed.push(current);
  if (packed.length < 2) return undefined;
  // Linking parsed every policy document: garbage that would otherwise stay resident beside the shards
  // being built (peak RSS 946 -> 744 MiB preparing 100,000 resources). Not worth its time below.
  if (items.length >= COLLECT_FROM_ITEMS) collectGarbage();
  // Module calls and root blocks with instances in the plan: the others' configuration goes to every shard.
  const instantiated = new Set(items.map(({ address }) => moduleCallName(address) ?? withoutInstanceKey(address)));
  // Each shard's plan is made when first read: a thread can evaluate the first while the others are made.
  return packed.map((own) => {
    let made: Plan | undefined;
    return {
      get plan() {
        made ??= subPlan(plan, new Set([...own, ...planWide].map((i) => items[i].address)), instantiated);
        return made;
      },
      owned: new Set(own.map((i) => items[i].address)),
    };
  });
}

/** Resources and data sources of the plan: resource_changes, and the data sources read at plan time. */
function planItems(plan: Plan): Item[] {
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const rc of plan.resource_changes ?? []) {
    if (seen.has(rc.address)) continue; // a deposed object shares its address
    seen.add(rc.address);
    items.push({
      address: rc.address,
      type: rc.type,
      module: rc.module_address ?? "",
      values: rc.change?.after,
      previous: rc.change.before,
      managed: rc.mode === "managed" && !(rc.change.actions.length === 1 && rc.change.actions[0] === "delete"),
    });
  }
  for (const { module, resource } of stateResources(plan)) {
    if (resource.mode !== "data" || seen.has(resource.address)) continue;
    seen.add(resource.address);
    items.push({ address: resource.address, type: resource.type, module, values: resource.values, managed: false });
  }
  return items;
}

function* stateResources(plan: Plan) {
  const root = plan.prior_state?.values?.root_module;
  const stack: StateModule[] = root ? [root] : [];
  while (stack.length > 0) {
    const module = stack.pop() as StateModule;
    for (const resource of module.resources ?? []) yield { module: module.address ?? "", resource };
    stack.push(...(module.child_modules ?? []));
  }
}

/** "module.a[\"x\"].aws_s3_bucket.b[0]" -> "module.a[\"x\"].aws_s3_bucket.b": the instance key dropped. */
function baseAddress(item: Item): string {
  return withoutInstanceKey(item.address);
}

/** "module.a[\"x\"].module.b" -> "module.a[\"x\"]". */
function topModuleInstance(module: string): string {
  return moduleSteps(module)[0] ?? module;
}

/** "module.a[\"x\"]" -> "a". */
function callName(moduleInstance: string): string {
  return moduleCallName(moduleInstance) ?? moduleInstance;
}

function rootConfiguration(plan: Plan): ConfigModule {
  return plan.configuration?.root_module ?? {};
}

/**
 * Links what the root module's configuration links: a resource with what its expressions reference, a
 * module call with what its arguments reference, and both with the module calls they read outputs of.
 * A module call that is linked to anything links all of its instances (they share its arguments).
 */
function linkRootConfiguration(plan: Plan, items: Item[], bases: Map<string, number[]>, graph: Graph): void {
  const root = rootConfiguration(plan);
  const node = (reference: string): string | undefined => {
    if (NOT_RESOURCES.test(reference)) return undefined;
    const call = moduleCallName(reference);
    return call !== undefined ? `call:${call}` : `base:${referencedObject(reference)}`;
  };
  for (const [base, instances] of bases) for (const i of instances) graph.group(`base:${base}`, i);
  const linkedCalls = new Set<string>();
  const link = (from: string, block: unknown) => {
    for (const reference of references(block)) {
      const to = node(reference);
      if (to === undefined) continue;
      graph.join(from, to);
      if (to.startsWith("call:")) linkedCalls.add(to);
      if (from.startsWith("call:")) linkedCalls.add(from);
    }
  };
  // A call's own expressions only: its `module` holds the child's configuration, whose references are the child's.
  const own = (block: { expressions?: unknown; count_expression?: unknown; for_each_expression?: unknown }) => [
    block.expressions,
    block.count_expression,
    block.for_each_expression,
  ];
  for (const config of root.resources ?? []) link(`base:${config.address}`, own(config));
  for (const [name, call] of Object.entries(root.module_calls ?? {})) link(`call:${name}`, own(call));
  for (const [i, item] of items.entries()) {
    if (item.module === "") continue;
    const call = `call:${callName(topModuleInstance(item.module))}`;
    if (linkedCalls.has(call)) graph.group(call, i);
  }
}

/**
 * Links resources by known values: another resource's ARN, id or name written in one (as a value, in a
 * JSON document such as a policy, or as the resource part of an ARN). Returns the items whose values bind
 * access to a principal tag (bindsPrincipalTag), found in the same walk: it parses every JSON document.
 */
function linkByValue(items: Item[], graph: Graph): Set<number> {
  const named = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    for (const name of identities(item)) {
      const other = named.get(name);
      if (other === undefined) named.set(name, i);
      else graph.union(other, i);
    }
  }
  const bindingTags = new Set<number>();
  for (const [i, item] of items.entries()) {
    const link = (key: string) => {
      const other = named.get(key);
      if (other !== undefined) graph.union(other, i);
    };
    const linkText = (text: string) => {
      link(text);
      if (!text.startsWith("arn:")) return;
      // An ARN also names a resource by its resource part, and by that part's segments.
      const resource = text.split(":").slice(5).join(":");
      link(resource);
      for (const segment of resource.split(/[/:]/)) link(segment);
    };
    forEachString(item.values, (text) => {
      linkText(text);
      if (bindsPrincipalTag(text)) bindingTags.add(i);
    });
    forEachString(item.previous, linkText);
  }
  return bindingTags;
}

function identities(item: Item): string[] {
  const found: string[] = [];
  for (const values of [item.values, item.previous]) {
    if (!values || typeof values !== "object") continue;
    for (const key of IDENTITY_KEYS) {
      if (key === "name" && UNNAMED_TYPES.has(item.type)) continue;
      const value = (values as Record<string, unknown>)[key];
      if (typeof value === "string" && value !== "") found.push(value);
    }
  }
  return found;
}

/** Every string in a value, in JSON documents within it, and the ARNs written in other text (YAML templates). */
function forEachString(value: unknown, visit: (text: string) => void): void {
  if (typeof value === "string") {
    visit(value);
    if (opensContainer(value)) {
      const parsed = parseEmbeddedJson(value);
      if (parsed !== undefined) return forEachString(parsed, visit);
    }
    if (value.length > 4 && !value.startsWith("arn:") && value.includes("arn:"))
      for (const [arn] of value.matchAll(/arn:[^\s"'`,;)\]}]+/g)) visit(arn);
  } else if (Array.isArray(value)) for (const v of value) forEachString(v, visit);
  else if (value && typeof value === "object") for (const v of Object.values(value)) forEachString(v, visit);
}

/**
 * The plan-wide resources with their whole components: a trail is judged with its bucket and key, and
 * what links to them. (A trail in every module instance makes every instance plan-wide: shardPlan
 * then judges the plan whole.)
 */
function planWideClosure(items: Item[], graph: Graph, bindingTags: ReadonlySet<number>): Set<number> {
  const wide = new Set<number>();
  for (const [i, item] of items.entries()) {
    if (PLAN_WIDE_TYPES.has(item.type) || isUnlinkedAlarm(item) || isProtectedTable(item) || bindingTags.has(i)) {
      for (const j of graph.component(i)) wide.add(j);
    }
  }
  return wide;
}

function isUnlinkedAlarm(item: Item): boolean {
  if (item.type !== "aws_cloudwatch_metric_alarm") return false;
  const values = item.values as { namespace?: unknown; dimensions?: { TableName?: unknown } } | undefined;
  return values?.namespace !== "AWS/DynamoDB" || values.dimensions?.TableName === undefined;
}

/**
 * A policy that binds access to a principal tag: DDB-FGAC-008 then judges iam:TagRole/TagUser in every
 * other policy of the plan, so it is given to every shard.
 */
function bindsPrincipalTag(text: string): boolean {
  return text.includes("${") && /\$\{aws:principaltag\//i.test(text);
}

function isProtectedTable(item: Item): boolean {
  const tags = (item.values as { tags?: Record<string, unknown> } | undefined)?.tags;
  return item.type === "aws_dynamodb_table" && tags !== undefined && tags !== null && PROTECTED_ATTRIBUTES_TAG in tags;
}

/** The plan with only these resources and data sources, and the configuration they need. */
function subPlan(plan: Plan, addresses: ReadonlySet<string>, instantiated: ReadonlySet<string>): Plan {
  const kept: Plan = { ...plan };
  kept.resource_changes = (plan.resource_changes ?? []).filter((rc) => addresses.has(rc.address));
  const state = plan.prior_state;
  if (state?.values?.root_module) {
    kept.prior_state = {
      ...state,
      values: { ...state.values, root_module: stateModule(state.values.root_module, addresses) },
    };
  }
  const configuration = plan.configuration;
  if (configuration?.root_module) {
    const root = configuration.root_module;
    const modules = new Set([...addresses].map(moduleCallName).filter((m): m is string => m !== undefined));
    const rootBases = new Set([...addresses].filter((a) => !a.startsWith("module.")).map(withoutInstanceKey));
    kept.configuration = {
      ...configuration,
      root_module: {
        ...root,
        // A configuration without instances (count = 0) is kept everywhere: it is small, and rules may read it.
        ...(root.resources
          ? { resources: root.resources.filter((r) => rootBases.has(r.address) || !instantiated.has(r.address)) }
          : {}),
        ...(root.module_calls
          ? {
              module_calls: Object.fromEntries(
                Object.entries(root.module_calls).filter(([name]) => modules.has(name) || !instantiated.has(name)),
              ),
            }
          : {}),
      },
    };
  }
  return kept;
}

/** Only the shard's data sources: the rules read nothing else of the prior state. */
function stateModule(module: StateModule, addresses: ReadonlySet<string>): StateModule {
  return {
    ...module,
    ...(module.resources ? { resources: module.resources.filter((r) => addresses.has(r.address)) } : {}),
    ...(module.child_modules
      ? { child_modules: module.child_modules.map((child) => stateModule(child, addresses)) }
      : {}),
  };
}

/** Union-find over the items, with named nodes (module instances, base addresses, module calls). */
class Graph {
  private readonly parent: number[];
  private readonly names = new Map<string, number>();

  constructor(private readonly items: number) {
    this.parent = Array.from({ length: items }, (_, i) => i);
  }

  private node(name: string): number {
    let id = this.names.get(name);
    if (id === undefined) {
      id = this.parent.length;
      this.parent.push(id);
      this.names.set(name, id);
    }
    return id;
  }

  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root];
    while (this.parent[i] !== root) [this.parent[i], i] = [root, this.parent[i]];
    return root;
  }

  union(a: number, b: number): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  group(name: string, item: number): void {
    this.union(this.node(name), item);
  }

  join(a: string, b: string): void {
    this.union(this.node(a), this.node(b));
  }

  private groups?: Map<number, number[]>;

  /** The items' components, in the order of their first item. */
  components(): number[][] {
    if (!this.groups) {
      this.groups = new Map();
      for (let i = 0; i < this.items; i++) {
        const root = this.find(i);
        const group = this.groups.get(root);
        if (group) group.push(i);
        else this.groups.set(root, [i]);
      }
    }
    return [...this.groups.values()];
  }

  component(item: number): number[] {
    this.components();
    return this.groups?.get(this.find(item)) ?? [item];
  }
}
