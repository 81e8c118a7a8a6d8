// Every rule's METADATA carries what docs/rules.md, SARIF and the CLI read, and the build refuses one
// that does not (scripts/generate/rule-catalog.js). Checked on the committed catalog and on broken entries.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/paths";

const { metadataProblems } = require(join(ROOT, "scripts", "generate", "rule-catalog.js")) as {
  metadataProblems: (rule: Record<string, unknown>) => string[];
};

const catalog = JSON.parse(readFileSync(join(ROOT, "bundle", "rules.json"), "utf8")) as {
  rules: Record<string, string>[];
};
const rules = catalog.rules.filter((r) => !r.id.endsWith("-UNPROVABLE"));

const valid = {
  id: "DDB-ENC-001",
  title: "Tables are encrypted with a customer-managed key",
  description: "Why.",
  guardrail: "encryption",
  severity: "high",
  remediation: "How.",
  version: "0.1.0",
  source: "policies/rules/encryption/table_cmk.rego",
};

describe("rule METADATA", () => {
  test.each(rules.map((r) => [r.id, r]))("%s is complete and consistent with its folder", (_id, rule) => {
    expect(metadataProblems(rule)).toEqual([]);
  });

  test("every rule has its -UNPROVABLE twin", () => {
    const ids = new Set(catalog.rules.map((r) => r.id));
    expect(rules.filter((r) => !ids.has(`${r.id}-UNPROVABLE`))).toEqual([]);
  });

  test.each([
    [{ severity: "urgent" }, /severity "urgent"/],
    [{ id: "DDB-EP-001" }, /does not read DDB-ENC-NNN/],
    [{ guardrail: "network" }, /guardrail "network" is not one of/],
    [{ source: "policies/rules/fgac/table_cmk.rego" }, /does not match the folder/],
    [{ remediation: "" }, /lacks remediation/],
    [{ title: undefined }, /lacks title/],
  ])("a rule with %j is refused", (change, message) => {
    expect(metadataProblems({ ...valid, ...change }).join("; ")).toMatch(message);
  });

  test("the example entry itself passes", () => {
    expect(metadataProblems(valid)).toEqual([]);
  });
});
