// Writes bundle/rules.json, the rule catalog, from `opa inspect -a` output: one entry per rule
// package with custom.id, plus its "-UNPROVABLE" twin. Docs, SARIF rules and reports read it.
// Each rule's METADATA is checked here, so the build fails on a rule the docs, SARIF or CLI cannot read.
const fs = require("node:fs");

// The id prefix of each guardrail; a rule lives in policies/rules/<guardrail>/.
const PREFIXES = { encryption: "ENC", endpoint: "EP", fgac: "FGAC", recovery: "REC", audit: "AUD" };
const SEVERITIES = ["critical", "high", "medium", "low"];
const REQUIRED = ["id", "title", "description", "guardrail", "severity", "remediation", "version", "source"];

/** The problems of one catalog entry built from METADATA; empty when it is complete and consistent. */
function metadataProblems(rule) {
  const problems = REQUIRED.filter((k) => typeof rule[k] !== "string" || rule[k] === "").map(
    (k) => `METADATA lacks ${k}`,
  );
  const prefix = PREFIXES[rule.guardrail];
  if (!prefix) problems.push(`guardrail "${rule.guardrail}" is not one of ${Object.keys(PREFIXES).join(", ")}`);
  else {
    if (!new RegExp(`^DDB-${prefix}-\\d{3}$`).test(rule.id))
      problems.push(`id "${rule.id}" does not read DDB-${prefix}-NNN for guardrail ${rule.guardrail}`);
    if (!String(rule.source).startsWith(`policies/rules/${rule.guardrail}/`))
      problems.push(`guardrail ${rule.guardrail} does not match the folder of ${rule.source}`);
  }
  if (!SEVERITIES.includes(rule.severity))
    problems.push(`severity "${rule.severity}" is not one of ${SEVERITIES.join(", ")}`);
  return problems;
}

function catalog(inspect, version) {
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
    const problems = metadataProblems(rule);
    if (problems.length) throw new Error(`${file}: ${problems.join("; ")}`);
    rules.push(rule);
    rules.push({
      ...rule,
      id: `${custom.id}-UNPROVABLE`,
      title: `${a.title} (provable before apply)`,
      description: `The value that ${custom.id} checks is only known after apply and the plan does not say where it comes from, so the rule cannot decide. Reported instead of passing silently.`,
      remediation:
        "Make the value known at plan time (a literal, or a resource of the same configuration), or waive this finding with a reason.",
    });
  }
  const ids = new Set();
  for (const r of rules) {
    if (ids.has(r.id)) throw new Error(`duplicate rule id ${r.id}`);
    ids.add(r.id);
  }
  rules.sort((a, b) => a.id.localeCompare(b.id));
  return { version, rules };
}

module.exports = { metadataProblems, catalog };

if (require.main === module) {
  const [inspectFile, outFile, packageFile] = process.argv.slice(2);
  const inspect = JSON.parse(fs.readFileSync(inspectFile, "utf8"));
  const version = JSON.parse(fs.readFileSync(packageFile, "utf8")).version;
  fs.writeFileSync(outFile, `${JSON.stringify(catalog(inspect, version), null, 1)}\n`);
}
