#!/usr/bin/env node
// Monorepo benchmark: N plans of R resources validated in one run (`validate p1 ... pN`, one loaded
// bundle, one combined report) against N separate invocations, one per plan. Both must find the same
// (plan, rule, address) set. Prints a Markdown table.
//   node bench/monorepo.js [--plans 50] [--resources 1000]

const { spawnSync } = require("node:child_process");
const { mkdirSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { generate } = require("./generate-plan");

const CLI = join(__dirname, "..", "dist/src/cli/main.js");
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i > 0 ? process.argv[i + 1] : fallback);
};
const PLANS = option("plans", 50);
const RESOURCES = option("resources", 1000);

function validate(plans) {
  const began = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [CLI, "validate", ...plans, "-f", "json", "--quiet"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  if (run.status !== 0 && run.status !== 1) throw new Error(`validate exited ${run.status}: ${run.stderr.trim()}`);
  return { seconds, report: JSON.parse(run.stdout) };
}

const findings = (plan, report) => report.violations.map((f) => `${plan}\t${f.rule}\t${f.address}`);

const dir = join(__dirname, "plans", `monorepo-${PLANS}x${RESOURCES}`);
mkdirSync(dir, { recursive: true });
const plan = generate(RESOURCES);
const files = Array.from({ length: PLANS }, (_, i) => join(dir, `stack-${String(i + 1).padStart(3, "0")}.json`));
for (const file of files) writeFileSync(file, plan);

const whole = validate(files);
const wholeFindings = whole.report.plans.flatMap((p, i) => findings(files[i], p)).sort();
let separateSeconds = 0;
const separateFindings = [];
for (const file of files) {
  const one = validate([file]);
  separateSeconds += one.seconds;
  separateFindings.push(...findings(file, one.report));
}
if (JSON.stringify(separateFindings.sort()) !== JSON.stringify(wholeFindings))
  throw new Error("the one run and the separate runs disagree");

console.log(`| plans × resources | one run (s) | ${PLANS} separate runs (s) | findings |`);
console.log("|---|---:|---:|---:|");
console.log(
  `| ${PLANS} × ${RESOURCES} | ${whole.seconds.toFixed(1)} | ${separateSeconds.toFixed(1)} | ${wholeFindings.length} |`,
);
