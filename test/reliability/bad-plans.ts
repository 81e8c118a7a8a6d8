// The plans the engine refuses, each a scripted edit of a real fixture plan, and what the one-line error
// says. test/reliability/fail-closed.test.ts proves every row (through the engine, and a third of them
// through the CLI); scripts/generate/reliability-doc.ts writes them into docs/reliability.md.
import { readFileSync } from "node:fs";
import { fixturePlan } from "../helpers/paths";

export interface BadPlan {
  /** What is wrong with the plan, as the docs list it. */
  readonly input: string;
  readonly plan: () => string;
  /** Part of the one-line error, word for word. */
  readonly says: string;
}

export const violating = () => JSON.parse(readFileSync(fixturePlan("table-unencrypted"), "utf8"));
export const managedKey = () => JSON.parse(readFileSync(fixturePlan("table-aws-managed-key"), "utf8"));
export const compliant = () => JSON.parse(readFileSync(fixturePlan("table-cmk-same-plan"), "utf8"));
export const text = (plan: unknown) => JSON.stringify(plan);
/** The first DynamoDB table of a plan's resource_changes. */
export const tableConfig = (plan: any) =>
  plan.configuration.root_module.resources.find((r: { type: string }) => r.type === "aws_dynamodb_table");
export const table = (plan: any) =>
  plan.resource_changes.find((c: { type: string }) => c.type === "aws_dynamodb_table");
export const zeroInstances = () => JSON.parse(readFileSync(fixturePlan("model-zero-instances"), "utf8"));
/** A plan that leaves resources out: their resource_changes entries and, with `values`, their planned_values. */
export const withoutResource = (plan: any, address: RegExp, values: boolean) => {
  plan.resource_changes = plan.resource_changes.filter((c: { address: string }) => !address.test(c.address));
  if (values)
    plan.planned_values.root_module.resources = plan.planned_values.root_module.resources.filter(
      (r: { address: string }) => !address.test(r.address),
    );
};

/** A plan built from a real fixture by one edit. */
export function edited(edit: (plan: any) => void, base = violating): string {
  const plan = base();
  edit(plan);
  return text(plan);
}

export const badPlans: readonly BadPlan[] = [
  {
    input: "empty input",
    plan: () => "",
    says: "is empty, not a terraform plan",
  },
  {
    input: "not JSON",
    plan: () => "terraform plan output, not JSON",
    says: "is not valid JSON",
  },
  {
    input: "truncated JSON (first half of a real plan)",
    plan: () => readFileSync(fixturePlan("table-unencrypted"), "utf8").slice(0, 1500),
    says: "is not valid JSON (Unterminated string in JSON",
  },
  {
    input: "a JSON array",
    plan: () => "[]",
    says: "is not a terraform plan (no format_version)",
  },
  {
    input: "no format_version",
    plan: () => edited((p) => delete p.format_version),
    says: "is not a terraform plan (no format_version)",
  },
  {
    input: "format_version of another major",
    plan: () => edited((p) => (p.format_version = "2.0")),
    says: "/format_version must match pattern",
  },
  {
    // JSON.parse reads it as Infinity, which the policy input would carry as null: an alarm threshold unset.
    input: "a number beyond a double (an alarm threshold of 1e400)",
    plan: () => text(compliant()).replaceAll('"threshold":100,', '"threshold":1e400,'),
    says: "the number at planned_values.root_module.resources[3].values.threshold is beyond what a double holds (JSON.parse reads it as infinity)",
  },
  {
    input: "a plan terraform marked errored",
    plan: () => edited((p) => (p.errored = true)),
    says: "terraform reported errors while planning (errored: true)",
  },
  {
    input: "resource_changes missing while the configuration declares resources",
    plan: () => edited((p) => delete p.resource_changes),
    says: "has no resource_changes although its configuration declares resources",
  },
  {
    input: "resource_changes that is not a list",
    plan: () => edited((p) => (p.resource_changes = { 0: table(p) })),
    says: "/resource_changes must be array",
  },
  {
    input: "a resource change with an unknown mode",
    plan: () => edited((p) => (table(p).mode = "ephemeral")),
    says: "/resource_changes/5/mode must be equal to one of the allowed values",
  },
  {
    input: "a managed table relabelled as a data source (the model skips data sources)",
    plan: () => edited((p) => (table(p).mode = "data")),
    says: "does not match its mode, type and name (data.aws_dynamodb_table.invalid_aws_owned_key)",
  },
  {
    input: "an address that disagrees with the resource type",
    plan: () => edited((p) => (table(p).type = "aws_s3_bucket")),
    says: "does not match its mode, type and name (aws_s3_bucket.invalid_aws_owned_key)",
  },
  {
    input: "an address outside the module it claims",
    plan: () => edited((p) => (table(p).module_address = "module.other")),
    says: "does not match its mode, type and name (module.other.aws_dynamodb_table.invalid_aws_owned_key)",
  },
  {
    input: "change.after of the wrong type",
    plan: () => edited((p) => (table(p).change.after = "encrypted")),
    says: "/resource_changes/5/change/after must be object,null",
  },
  {
    input: "change.after null for a resource that is created",
    plan: () => edited((p) => (table(p).change.after = null)),
    says: "change.after must be an object for a resource that exists after apply",
  },
  {
    input: "after_unknown missing (unknown values would read as absent)",
    plan: () => edited((p) => delete table(p).change.after_unknown),
    says: "change.after_unknown must be an object",
  },
  {
    input: "an unknown action",
    plan: () => edited((p) => (table(p).change.actions = ["destroy"])),
    says: "/resource_changes/5/change/actions/0 must be equal to one of the allowed values",
  },
  {
    input: "no actions",
    plan: () => edited((p) => (table(p).change.actions = [])),
    says: "/resource_changes/5/change/actions must NOT have fewer than 1 items",
  },
  {
    input: "the same address twice",
    plan: () => edited((p) => p.resource_changes.push(table(p))),
    says: "aws_dynamodb_table.invalid_aws_owned_key appears twice in resource_changes",
  },
  {
    input: "a root variable without a value",
    plan: () => edited((p) => (p.variables = { key_arn: {} })),
    says: "/variables/key_arn must have required property 'value'",
  },
  // Found by the audit: a number where the provider only allows a string made DDB-ENC-001 skip the table.
  {
    input: "a value of a type the provider schema does not allow (kms_key_arn as a number)",
    plan: () =>
      edited(
        (p) =>
          (p.resource_changes.find((c: any) =>
            c.address.endsWith("alias"),
          ).change.after.server_side_encryption[0].kms_key_arn = 5),
        managedKey,
      ),
    says: "change.after.server_side_encryption[0].kms_key_arn must be a string, not a number",
  },
  {
    input: "a nested block that is not a list",
    plan: () => edited((p) => (table(p).change.after.attribute = { name: "pk" })),
    says: "change.after.attribute must be a list of blocks, not an object",
  },
  // Found by the fuzzer: with the configuration gone or malformed, rules that follow unknown values
  // through it found no source and reported nothing.
  {
    input: "no configuration",
    plan: () => edited((p) => delete p.configuration),
    says: "has no configuration.root_module although resources change",
  },
  {
    input: "a changed resource without its configuration block",
    plan: () =>
      edited(
        (p) =>
          (p.configuration.root_module.resources = p.configuration.root_module.resources.filter(
            (r: { type: string }) => r.type !== "aws_dynamodb_table",
          )),
      ),
    says: "has no block in the plan's configuration",
  },
  {
    input: "references that are not strings",
    plan: () =>
      edited(
        (p) =>
          (tableConfig(p).expressions.server_side_encryption[0].kms_key_arn.references = [
            ["aws_kms_key.sessions.arn"],
          ]),
        compliant,
      ),
    says: "expressions.server_side_encryption[0].kms_key_arn.references must be a list of strings",
  },
  // Found by the fuzzer: an attribute's expression turned into an (empty) block list hid the policy's source.
  {
    input: "an attribute expression shaped as a block list",
    plan: () => edited((p) => (tableConfig(p).expressions.hash_key = [])),
    says: "expressions.hash_key must be an expression (object)",
  },
  {
    input: "a block expression that is not an object",
    plan: () => edited((p) => (tableConfig(p).expressions.attribute = false)),
    says: "expressions.attribute must be a block (object)",
  },
  {
    input: "unknown markers shaped unlike the value",
    plan: () => edited((p) => (table(p).change.after_unknown.attribute = [[{}]])),
    says: "change.after_unknown.attribute[0] must be a boolean or an object of unknown markers, not a list",
  },
  {
    input: "an unknown marker that is not a boolean",
    plan: () => edited((p) => (table(p).change.after_unknown.server_side_encryption = "true")),
    says: "change.after_unknown.server_side_encryption must be a boolean (unknown marker), not a string",
  },
  // Plans that lie about themselves (issue 12, class 8): each a scripted edit of a real plan.
  {
    input: "a key twice at the top level (JSON.parse keeps the last, empty resource_changes)",
    plan: () => text(violating()).replace(/}$/, ',"resource_changes":[]}'),
    says: 'key "resource_changes" appears twice in the object at (root)',
  },
  {
    input: "a key twice deep inside a change",
    plan: () => text(violating()).replace('"change":{', '"change":{"actions":["no-op"],'),
    says: 'key "actions" appears twice in the object at .resource_changes[0].change',
  },
  {
    input: "a key twice, written with an escape",
    plan: () => text(violating()).replace('"change":{', '"change":{"\\u0061ctions":["no-op"],'),
    says: 'key "actions" appears twice in the object at .resource_changes[0].change',
  },
  {
    input: "only a format_version",
    plan: () => '{"format_version":"1.2"}',
    says: "has no planned_values.root_module and configuration.root_module",
  },
  {
    input: "no planned_values",
    plan: () => edited((p) => delete p.planned_values),
    says: "has no planned_values.root_module;",
  },
  {
    input: "resource_changes empty while planned_values and configuration declare resources",
    plan: () => edited((p) => (p.resource_changes = [])),
    says: "is in planned_values but not in resource_changes",
  },
  {
    input: "a resource left out of resource_changes, still in planned_values",
    plan: () => edited((p) => withoutResource(p, /^aws_dynamodb_table\./, false)),
    says: "aws_dynamodb_table.invalid_aws_owned_key is in planned_values but not in resource_changes",
  },
  {
    input: "a resource left out of resource_changes and planned_values, still configured",
    plan: () => edited((p) => withoutResource(p, /^aws_dynamodb_table\./, true)),
    says: "aws_dynamodb_table.invalid_aws_owned_key is declared in the configuration but has no entry in resource_changes",
  },
  // Found by the fuzzer: a null among planned_values resources crashed the check instead of refusing.
  {
    input: "a planned_values resource that is not an object",
    plan: () => edited((p) => (p.planned_values.root_module.resources[0] = null)),
    says: "planned_values resources must be a list of objects",
  },
  {
    input: "the instances of a literal count = 2 left out (a literal non-empty count always has instances)",
    plan: () => edited((p) => withoutResource(p, /^aws_kms_key\.valid_counted\[/, true), zeroInstances),
    says: "aws_kms_key.valid_counted is declared in the configuration but has no entry in resource_changes",
  },
];
