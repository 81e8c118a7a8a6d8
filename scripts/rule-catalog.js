// Writes bundle/rules.json, the rule catalog, from `opa inspect -a` output: one entry per rule
// package with custom.id, plus its "-UNPROVABLE" twin. Docs, SARIF rules and reports read it.
const fs = require("fs");
const [inspectFile, outFile, packageFile] = process.argv.slice(2);
const inspect = JSON.parse(fs.readFileSync(inspectFile, "utf8"));
const version = JSON.parse(fs.readFileSync(packageFile, "utf8")).version;
const rules = [];
for (const entry of inspect.annotations || []) {
  const a = entry.annotations || {};
  const custom = a.custom || {};
  if (!custom.id) continue;
  const file = entry.location.file.slice(entry.location.file.indexOf("policies/"));
  const rule = {
    id: custom.id,
    title: a.title,
    description: (a.description || "").trim(),
    guardrail: custom.guardrail,
    severity: custom.severity,
    remediation: (custom.remediation || "").trim(),
    concept: custom.concept || "",
    // Optional compliant HCL snippet, shown in docs/rules.md.
    example: (custom.example || "").trim(),
    version: custom.version || version,
    source: file,
  };
  for (const [k, v] of Object.entries(rule)) {
    if (v === undefined || v === "") {
      if (k !== "concept" && k !== "example") throw new Error(`${file}: METADATA lacks ${k}`);
    }
  }
  rules.push(rule);
  rules.push({
    ...rule,
    id: `${custom.id}-UNPROVABLE`,
    title: `${a.title} (provable before apply)`,
    description: `The value that ${custom.id} checks is only known after apply and the plan does not say where it comes from, so the rule cannot decide. Reported instead of passing silently.`,
    remediation: "Make the value known at plan time (a literal, or a resource of the same configuration), or waive this finding with a reason.",
  });
}
const ids = new Set();
for (const r of rules) {
  if (ids.has(r.id)) throw new Error(`duplicate rule id ${r.id}`);
  ids.add(r.id);
}
rules.sort((a, b) => a.id.localeCompare(b.id));
fs.writeFileSync(outFile, JSON.stringify({ version, rules }, null, 1) + "\n");
