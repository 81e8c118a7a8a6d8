// Rewrites fixture plans into the input the engine hands the policies (src/engine/input/policy-input.ts:
// unread parts left out, ambiguous policy JSON marked, CloudFormation templates parsed), so that the
// Rego tests see exactly what the compiled policies see.
// Usage: TS_NODE_PREFER_TS_EXTS=true node -r ts-node/register/transpile-only scripts/test/policy-input.ts <plan.json> ...
// (preferring .ts: src/engine/plan/resource-schema.ts sits beside resource-schema.json)
import { readFileSync, writeFileSync } from "node:fs";
import { parsePlan } from "../../src/engine";
import { policyInput } from "../../src/engine/input/policy-input";

for (const file of process.argv.slice(2)) {
  writeFileSync(file, Buffer.from(policyInput(parsePlan(readFileSync(file, "utf8"), file))));
}
