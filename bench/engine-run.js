#!/usr/bin/env node
// Engine evaluation alone, in-process: times readPlan + loadBundle + validatePlan after Node has
// started and the engine module is loaded, and prints {ms, maxRssKiB, resources, findings}.
//   node bench/engine-run.js PLAN [ENGINE_DIR]    (ENGINE_DIR: default dist/src/engine)

const { join, resolve } = require("node:path");

const [plan, engineDir = join(__dirname, "..", "dist", "src", "engine")] = process.argv.slice(2);
const engine = require(resolve(engineDir));
const start = process.hrtime.bigint();
let report;
try {
  report = engine.validatePlan(engine.readPlan(plan), { bundle: engine.loadBundle() });
} catch (err) {
  process.stderr.write(`engine-run: ${err.message}\n`);
  process.exit(2);
}
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(
  `${JSON.stringify({
    ms,
    maxRssKiB: process.resourceUsage().maxRSS,
    resources: report.summary.resources,
    findings: report.violations.map((f) => [f.rule, f.address]),
  })}\n`,
);
