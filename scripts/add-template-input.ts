// Adds to fixture plans the parsed CloudFormation templates the engine hands the policies
// (src/engine/cloudformation.ts), so that the Rego tests see the input the policies see.
// Usage: node -r ts-node/register/transpile-only scripts/add-template-input.ts <data.json> ...
import { readFileSync, writeFileSync } from "node:fs";
import { cloudFormationTemplates, TEMPLATES_INPUT_KEY } from "../src/engine/cloudformation";

for (const file of process.argv.slice(2)) {
  const plan = JSON.parse(readFileSync(file, "utf8")) as { resource_changes?: unknown[] };
  const templates = cloudFormationTemplates(plan.resource_changes ?? []);
  if (Object.keys(templates).length === 0) continue;
  writeFileSync(file, JSON.stringify({ ...plan, [TEMPLATES_INPUT_KEY]: templates }));
}
