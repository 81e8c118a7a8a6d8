/**
 * The JSON plan of `terraform show -json` (and OpenTofu's `tofu show -json`): the parts this package reads,
 * named and nested as hashicorp/terraform-json names them (plan.go, config.go, state.go, expression.go).
 *
 * checkPlan guarantees what plan-schema.json and its own checks say (format_version, each resource change's
 * address, mode, type, name and actions, `after` and `after_unknown` objects for what exists after apply,
 * expression shapes); everything else is typed as terraform writes it and read defensively, since an edited
 * or truncated plan may lack it or hold it in another shape.
 */
export interface Plan {
  format_version: string;
  terraform_version?: string;
  /** When the plan was made (RFC 3339). */
  timestamp?: string;
  /** true when planning failed: checkPlan refuses such a plan. */
  errored?: boolean;
  /** Whether applying the plan would change anything (Terraform 1.9+). */
  applyable?: boolean;
  /** false when the plan is partial: more changes follow its apply (deferred actions). */
  complete?: boolean;
  /** The root module's input variables, as given to this plan. */
  variables?: Record<string, PlanVariable>;
  /** The state after apply, values known at plan time only. */
  planned_values?: StateValues;
  resource_changes?: ResourceChange[];
  /** Changes made outside Terraform since the last apply. */
  resource_drift?: ResourceChange[];
  output_changes?: Record<string, Change>;
  /** The state the plan was made from (refreshed): data sources read at plan time are in it. */
  prior_state?: State;
  configuration?: Config;
  /** The attributes of the prior state that contributed to the plan. */
  relevant_attributes?: ResourceAttribute[];
  /** The results of `check` blocks and conditions known at plan time. */
  checks?: CheckResult[];
}

export interface PlanVariable {
  value: unknown;
}

export type ResourceMode = "managed" | "data";

export type Action = "no-op" | "create" | "read" | "update" | "delete" | "forget";

/** One resource instance's planned change: `resource_changes[]`. */
export interface ResourceChange {
  /** The absolute address with instance keys: `module.a["x"].aws_dynamodb_table.t[0]`. */
  address: string;
  previous_address?: string;
  /** The module instance the resource is in: `module.a["x"]`; absent in the root module. */
  module_address?: string;
  mode: ResourceMode;
  type: string;
  name: string;
  index?: number | string;
  provider_name?: string;
  /** Set for a deposed object (create_before_destroy), which shares the address of its replacement. */
  deposed?: string;
  change: Change;
  action_reason?: string;
}

export interface Change {
  /** One action, or ["delete", "create"] / ["create", "delete"] for a replacement. */
  actions: Action[];
  /** The object before the change: null for a create. */
  before?: unknown;
  /** The object after the change, values known at plan time only: null for a delete. */
  after?: unknown;
  /** The shape of `after`, true at each value known only after apply. */
  after_unknown?: unknown;
  /** The shape of `before`, true at each sensitive value. */
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  replace_paths?: unknown[];
}

/** `planned_values`, and `prior_state.values`. */
export interface StateValues {
  outputs?: Record<string, StateOutput>;
  root_module?: StateModule;
}

export interface StateOutput {
  sensitive?: boolean;
  value?: unknown;
  type?: unknown;
}

export interface StateModule {
  /** Absent in the root module. */
  address?: string;
  resources?: StateResource[];
  child_modules?: StateModule[];
}

export interface StateResource {
  address: string;
  mode: ResourceMode;
  type: string;
  name: string;
  index?: number | string;
  provider_name?: string;
  values?: Record<string, unknown>;
  sensitive_values?: unknown;
  depends_on?: string[];
}

export interface State {
  format_version?: string;
  terraform_version?: string;
  values?: StateValues;
}

/** The configuration as terraform read it: blocks and their expressions, not values. */
export interface Config {
  provider_config?: Record<string, unknown>;
  root_module?: ConfigModule;
}

export interface ConfigModule {
  outputs?: Record<string, { expression?: Expression; sensitive?: boolean }>;
  resources?: ConfigResource[];
  module_calls?: Record<string, ModuleCall>;
  variables?: Record<string, { default?: unknown; description?: string; sensitive?: boolean }>;
}

/** A resource block: one per block, whatever its count or for_each. */
export interface ConfigResource {
  /** The address within its module, without instance keys: `aws_dynamodb_table.t`. */
  address: string;
  mode: ResourceMode;
  type: string;
  name: string;
  provider_config_key?: string;
  expressions?: Expressions;
  schema_version?: number;
  count_expression?: Expression;
  for_each_expression?: Expression;
  depends_on?: string[];
}

export interface ModuleCall {
  source?: string;
  version_constraint?: string;
  /** The call's arguments. */
  expressions?: Expressions;
  count_expression?: Expression;
  for_each_expression?: Expression;
  /** The called module's own configuration. */
  module?: ConfigModule;
  depends_on?: string[];
}

/**
 * An attribute's expression: its value when known without evaluation (`constant_value`), else what it
 * references (`references`: every traversal, from the longest to its base object), or `{}` for neither.
 */
export interface Expression {
  constant_value?: unknown;
  references?: string[];
}

/** A block body: each attribute's expression, each nested block as a body or a list of bodies. */
export interface Expressions {
  [attributeOrBlock: string]: Expression | Expressions | Expressions[];
}

/** `relevant_attributes[]`: a path within one resource's value. */
export interface ResourceAttribute {
  resource: string;
  attribute: (string | number)[];
}

export interface CheckResult {
  address: { kind: string; to_display: string; name?: string; module?: string; mode?: ResourceMode; type?: string };
  status: "pass" | "fail" | "error" | "unknown";
  instances?: {
    address: { to_display: string; module?: string; instance_key?: number | string };
    status: "pass" | "fail" | "error" | "unknown";
    problems?: { message: string }[];
  }[];
}
