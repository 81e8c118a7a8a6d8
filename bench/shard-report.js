#!/usr/bin/env node
// The policies alone, warm: the report of the first shard of a plan, evaluated again and again in one
// wasm instance (the first run of a fresh instance is slower while V8 compiles its hot functions).
// Prints the first run and the fastest of the others, in ms, and the shard's findings.
//   node bench/shard-report.js [PLAN] [--reps 8] [--shard-resources 2500] [--entrypoint ddb_guardrails/main/report]
// PLAN: default bench/plans/mixed-10000.json (written by bench/mixed.js).

const { join } = require("node:path");

const ROOT = join(__dirname, "..");
const engine = require(join(ROOT, "dist", "src", "engine"));
const { instantiate } = require(join(ROOT, "dist", "src", "engine", "policy", "bundle"));
const { evaluateParsedOnce } = require(join(ROOT, "dist", "src", "engine", "policy", "opa-runtime"));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const plan =
  args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")) ??
  join(__dirname, "plans", "mixed-10000.json");
const reps = Number(option("reps", "8"));
const entrypoint = option("entrypoint", "ddb_guardrails/main/report");

const prepared = engine.preparePlan(engine.readPlan(plan), undefined, {
  shardResources: Number(option("shard-resources", "2500")),
  shardThreads: 1,
});
// As validatePlan instantiates the bundle (default parameters and memory limit).
const policy = instantiate(engine.loadBundle(), {});
const input = prepared.inputs[0].input;
const times = [];
let output;
for (let rep = 0; rep < reps; rep++) {
  const start = performance.now();
  [output] = evaluateParsedOnce(policy, input, [entrypoint], undefined);
  times.push(performance.now() - start);
}
process.stdout.write(
  `${JSON.stringify({
    shards: prepared.inputs.length,
    firstMs: Math.round(times[0]),
    warmMs: Math.round(Math.min(...times.slice(1))),
    findings: output[0].result.findings.length,
  })}\n`,
);
