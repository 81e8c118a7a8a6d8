// Writes src/engine/plan/resource-schema.json: the attribute types, from the AWS provider's own schema
// (`terraform providers schema -json`), of the resource and data source types the guardrails read.
// The engine refuses a plan whose values for these types have the wrong JSON type, since a policy
// comparing, say, a number where the provider only allows a string would silently not match.
// Usage: node scripts/generate/resource-schema.js <providers-schema.json> <out.json>
const fs = require("node:fs");
const path = require("node:path");
const [schemaFile, outFile] = process.argv.slice(2);
const PROVIDER = "registry.terraform.io/hashicorp/aws";
// Families the guardrails judge, plus every type a policy names (policies/**/*.rego).
const PREFIXES = [
  "aws_dynamodb_",
  "aws_dax_",
  "aws_kms_",
  "aws_iam_",
  "aws_vpc_endpoint",
  "aws_cloudtrail",
  "aws_s3_bucket",
  "aws_backup_",
  "aws_kinesis_",
];
const root = path.join(__dirname, "..", "..");
const named = new Set();
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (entry.name.endsWith(".rego"))
      for (const m of fs.readFileSync(file, "utf8").matchAll(/"(aws_[a-z0-9_]+)"/g)) named.add(m[1]);
  }
};
walk(path.join(root, "policies"));

const schemas = JSON.parse(fs.readFileSync(schemaFile, "utf8")).provider_schemas[PROVIDER];
const lock = fs
  .readFileSync(path.join(root, "test", "fixtures", "offline-provider.tf"), "utf8")
  .match(/version\s*=\s*"([^"]+)"/)[1];
// block -> {attribute: cty type JSON, block_type: {nesting, block}}
const convert = (block) => {
  const out = {};
  for (const [name, a] of Object.entries(block.attributes ?? {})) out[name] = a.type ?? "dynamic";
  for (const [name, b] of Object.entries(block.block_types ?? {}))
    out[name] = { nesting: b.nesting_mode, block: convert(b.block) };
  return out;
};
const select = (all) =>
  Object.fromEntries(
    Object.keys(all)
      .filter((t) => named.has(t) || PREFIXES.some((p) => t.startsWith(p)))
      .sort()
      .map((t) => [t, convert(all[t].block)]),
  );
const out = {
  provider: `${PROVIDER} ${lock}`,
  managed: select(schemas.resource_schemas),
  data: select(schemas.data_source_schemas),
};
fs.writeFileSync(outFile, `${JSON.stringify(out)}\n`);
