// Writes test/fixtures/awscc-tables/plan.json from the real plan of test/fixtures/awscc-tables-source:
// each aws_dynamodb_table becomes the awscc_dynamodb_table (or, with replica blocks,
// awscc_dynamodb_global_table) that declares the same table, with the awscc provider's attribute names
// and the plan shapes of a terraform-plugin-framework provider. The offline mirror holds only
// hashicorp/aws, so no awscc plan can be made here; test/fixtures/awscc-tables/README.md lists every
// rewrite. Deterministic: the same source gives the same bytes.
// Usage: node scripts/awscc-fixture.js [source plan.json] [out plan.json]
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const [
  source = path.join(root, "test/fixtures/awscc-tables-source/plan.json"),
  out = path.join(root, "test/fixtures/awscc-tables/plan.json"),
] = process.argv.slice(2);
const AWSCC = "registry.terraform.io/hashicorp/awscc";

const plan = JSON.parse(fs.readFileSync(source, "utf8"));
const configs = new Map(plan.configuration.root_module.resources.map((r) => [r.address, r]));
const region = plan.configuration.provider_config.aws.expressions.region.constant_value;
const renamed = new Map();

// Terraform reports an attribute's expression as a whole: its references, or its value when it has none.
function attributeExpression(expressions, value) {
  const references = [...new Set(expressions.flatMap((e) => e?.references || []))];
  return references.length ? { references } : { constant_value: value };
}

// A nested attribute of the awscc schema (Optional + Computed): planned unknown when not configured.
function nested(after, unknown, name, value, unknownValue) {
  if (value === undefined) unknown[name] = true;
  else {
    after[name] = value;
    if (unknownValue && Object.keys(unknownValue).length) unknown[name] = unknownValue;
  }
}

// One setting of a source block: its planned value, unknown when not configured or not yet known.
function setting(block, blockUnknown, blockConfig, awsName) {
  if (!blockConfig || blockConfig[awsName] === undefined) return { unknown: true };
  if (blockUnknown && blockUnknown[awsName] === true) return { unknown: true, expression: blockConfig[awsName] };
  return { value: block[awsName], expression: blockConfig[awsName] };
}

// A one-setting nested attribute: unset (planned unknown as a whole), or set with a known or unknown value.
function nestedSetting(name, s) {
  if (s.expression === undefined) return [undefined];
  return s.unknown ? [{}, { [name]: true }] : [{ [name]: s.value }];
}

function object(entries) {
  const value = {};
  const unknown = {};
  for (const [name, s] of entries) {
    if (s.unknown) unknown[name] = true;
    else value[name] = s.value;
  }
  return { value, unknown };
}

function tableBase(after, exprs) {
  return {
    after: {
      table_name: after.name,
      billing_mode: after.billing_mode,
      key_schema: [{ attribute_name: after.hash_key, key_type: "HASH" }],
      attribute_definitions: after.attribute.map((a) => ({ attribute_name: a.name, attribute_type: a.type })),
    },
    expressions: {
      table_name: exprs.name,
      billing_mode: exprs.billing_mode,
      key_schema: { constant_value: [{ attribute_name: after.hash_key, key_type: "HASH" }] },
      attribute_definitions: {
        constant_value: after.attribute.map((a) => ({ attribute_name: a.name, attribute_type: a.type })),
      },
    },
    unknown: { arn: true, id: true, stream_arn: true },
  };
}

function convertTable(change, config) {
  const { after, after_unknown: unknownAws } = change.change;
  const exprs = config.expressions;
  const t = tableBase(after, exprs);
  const sseConfig = (exprs.server_side_encryption || [])[0];
  if (sseConfig) {
    const sse = object([
      [
        "sse_enabled",
        setting(after.server_side_encryption[0], unknownAws.server_side_encryption[0], sseConfig, "enabled"),
      ],
      ["sse_type", after.server_side_encryption[0].enabled ? { value: "KMS" } : { unknown: true }],
      [
        "kms_master_key_id",
        setting(after.server_side_encryption[0], unknownAws.server_side_encryption[0], sseConfig, "kms_key_arn"),
      ],
    ]);
    nested(t.after, t.unknown, "sse_specification", sse.value, sse.unknown);
    t.expressions.sse_specification = attributeExpression([sseConfig.enabled, sseConfig.kms_key_arn], sse.value);
  } else t.unknown.sse_specification = true;
  const pitrConfig = (exprs.point_in_time_recovery || [])[0];
  if (pitrConfig) {
    const pitr = object([
      [
        "point_in_time_recovery_enabled",
        setting(after.point_in_time_recovery[0], unknownAws.point_in_time_recovery[0], pitrConfig, "enabled"),
      ],
      ["recovery_period_in_days", { unknown: true }],
    ]);
    nested(t.after, t.unknown, "point_in_time_recovery_specification", pitr.value, pitr.unknown);
    t.expressions.point_in_time_recovery_specification = attributeExpression([pitrConfig.enabled], pitr.value);
  } else t.unknown.point_in_time_recovery_specification = true;
  if (exprs.deletion_protection_enabled) {
    t.after.deletion_protection_enabled = after.deletion_protection_enabled;
    t.expressions.deletion_protection_enabled = exprs.deletion_protection_enabled;
  } else t.unknown.deletion_protection_enabled = true;
  return { type: "awscc_dynamodb_table", ...t };
}

// The table's own settings become the replica in the provider's Region; each replica block one more.
function convertGlobalTable(change, config) {
  const { after, after_unknown: unknownAws } = change.change;
  const exprs = config.expressions;
  const t = tableBase(after, exprs);
  const sseConfig = exprs.server_side_encryption[0];
  const sse = { sse_enabled: after.server_side_encryption[0].enabled, sse_type: "KMS" };
  t.after.sse_specification = sse;
  t.expressions.sse_specification = { constant_value: sse };
  t.after.stream_specification = { stream_view_type: after.stream_view_type };
  t.expressions.stream_specification = { constant_value: { stream_view_type: after.stream_view_type } };
  const primary = {
    region,
    key: setting(after.server_side_encryption[0], unknownAws.server_side_encryption[0], sseConfig, "kms_key_arn"),
    pitr: setting(
      after.point_in_time_recovery[0],
      unknownAws.point_in_time_recovery[0],
      exprs.point_in_time_recovery[0],
      "enabled",
    ),
  };
  const replicas = [primary];
  after.replica.forEach((block, i) => {
    const blockConfig = exprs.replica.find((r) => r.region_name.constant_value === block.region_name);
    replicas.push({
      region: block.region_name,
      key: setting(block, unknownAws.replica[i], blockConfig, "kms_key_arn"),
      pitr: setting(block, unknownAws.replica[i], blockConfig, "point_in_time_recovery"),
    });
  });
  const dp = { value: after.deletion_protection_enabled, expression: exprs.deletion_protection_enabled };
  const planned = replicas.map((r) => {
    const value = { region: r.region, deletion_protection_enabled: dp.value };
    const unknown = {};
    nested(value, unknown, "sse_specification", ...nestedSetting("kms_master_key_id", r.key));
    nested(
      value,
      unknown,
      "point_in_time_recovery_specification",
      ...nestedSetting("point_in_time_recovery_enabled", r.pitr),
    );
    return { value, unknown };
  });
  t.after.replicas = planned.map((p) => p.value);
  t.unknown.replicas = planned.map((p) => p.unknown);
  const expressions = replicas.flatMap((r) => [r.key.expression, r.pitr.expression]).concat([dp.expression]);
  t.expressions.replicas = attributeExpression(expressions, t.after.replicas);
  return { type: "awscc_dynamodb_global_table", ...t };
}

// A converted resource as one part of the plan lists it: the fields every part shares, in Terraform's
// order, then the part's own.
function entry(awscc, name, fields) {
  return { address: awscc.address, mode: "managed", type: awscc.type, name, ...fields };
}

// planned_values and configuration list the converted tables under their new addresses too.
function renameConverted(resources, fields) {
  return resources.map((r) => {
    const awscc = renamed.get(r.address);
    return awscc ? entry(awscc, r.name, fields(awscc)) : r;
  });
}

function convert(change) {
  if (change.type !== "aws_dynamodb_table") return change;
  const config = configs.get(change.address);
  const awscc = change.change.after.replica.length ? convertGlobalTable(change, config) : convertTable(change, config);
  const converted = { address: `${awscc.type}.${change.name}`, ...awscc };
  renamed.set(change.address, converted);
  return entry(converted, change.name, {
    provider_name: AWSCC,
    change: {
      actions: change.change.actions,
      before: null,
      after: awscc.after,
      after_unknown: awscc.unknown,
      before_sensitive: false,
      after_sensitive: {},
    },
  });
}

plan.resource_changes = plan.resource_changes.map(convert);
plan.planned_values.root_module.resources = renameConverted(plan.planned_values.root_module.resources, (awscc) => ({
  provider_name: AWSCC,
  schema_version: 1,
  values: awscc.after,
  sensitive_values: {},
}));
plan.configuration.provider_config.awscc = { name: "awscc", full_name: AWSCC };
plan.configuration.root_module.resources = renameConverted(plan.configuration.root_module.resources, (awscc) => ({
  provider_config_key: "awscc",
  expressions: awscc.expressions,
  schema_version: 1,
}));
delete plan.relevant_attributes;
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(plan)}\n`);
