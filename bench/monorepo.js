#!/usr/bin/env node
// Monorepo benchmark: N plans of R resources validated in one run (`validate p1 ... pN`: one loaded
// bundle, the plans evaluated in worker threads, one combined report), in one run with --jobs 1 (one
// thread), and as N separate invocations, one per plan. Wall time, CPU time and peak RSS of each
// (GNU time); all three must find the same (plan, rule, address) set. bench/run.js puts the table in
// docs/benchmarks.md; run alone, it prints it.
//   node bench/monorepo.js [--plans 50] [--resources 1000] [--reps 3]

const { mkdirSync, writeFileSync } = require("node:fs");
const os = require("node:os");
const { join } = require("node:path");
const { generate } = require("./generate-plan");
const { measureProcess } = require("./measure");

const ROOT = join(__dirname, "..");
const CLI = join(ROOT, "dist/src/cli/main.js");
const TIMEOUT_S = 1800;

function validate(plans, extra = []) {
  const run = measureProcess([process.execPath, CLI, "validate", ...plans, "-f", "json", "--quiet", ...extra], {
    timeoutS: TIMEOUT_S,
    cwd: ROOT,
  });
  if (run.failed) throw new Error(`validate: ${run.failed}`);
  return { wall: run.wall, cpu: run.cpu, rssMiB: run.rssKiB / 1024, report: JSON.parse(run.stdout) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const findings = (plan, report) => report.violations.map((f) => `${plan}\t${f.rule}\t${f.address}`);

/** Runs the benchmark; every figure of a one-run row is the median of `reps` runs. */
function monorepo({ plans = 50, resources = 1000, reps = 3 } = {}) {
  const dir = join(__dirname, "plans", `monorepo-${plans}x${resources}`);
  mkdirSync(dir, { recursive: true });
  const plan = generate(resources);
  const files = Array.from({ length: plans }, (_, i) => join(dir, `stack-${String(i + 1).padStart(3, "0")}.json`));
  for (const file of files) writeFileSync(file, plan);

  const oneRun = (extra) => {
    const runs = Array.from({ length: reps }, () => validate(files, extra));
    const found = runs.map((r) => r.report.plans.flatMap((p, i) => findings(files[i], p)).sort());
    if (found.some((f) => JSON.stringify(f) !== JSON.stringify(found[0])))
      throw new Error("one run's reports differ between repetitions");
    return {
      wall: median(runs.map((r) => r.wall)),
      cpu: median(runs.map((r) => r.cpu)),
      rssMiB: median(runs.map((r) => r.rssMiB)),
      findings: found[0],
    };
  };
  const pooled = oneRun([]);
  const single = oneRun(["--jobs", "1"]);
  const separate = { wall: 0, cpu: 0, rssMiB: 0, findings: [] };
  for (const file of files) {
    const one = validate([file]);
    separate.wall += one.wall;
    separate.cpu += one.cpu;
    separate.rssMiB = Math.max(separate.rssMiB, one.rssMiB);
    separate.findings.push(...findings(file, one.report));
  }
  separate.findings.sort();
  for (const other of [single, separate]) {
    if (JSON.stringify(other.findings) !== JSON.stringify(pooled.findings))
      throw new Error("the one run and the separate runs disagree");
  }
  return { plans, resources, reps, jobs: os.availableParallelism(), pooled, single, separate };
}

function monorepoMarkdown(m) {
  const row = (label, r) =>
    `| ${label} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ${r.findings.length} |`;
  return [
    `${m.plans} plans of ${m.resources.toLocaleString("en")} resources (\`bench/monorepo.js\`). One run: \`validate <all ${m.plans} plans> -f json\`, ` +
      `median of ${m.reps} runs; separate runs: one \`validate <plan> -f json\` per plan, one run each, wall and CPU summed, ` +
      "peak RSS the largest process. All three report the same (plan, rule, address) set.",
    "",
    "| | wall s | CPU s | peak RSS MiB | findings |",
    "|---|---:|---:|---:|---:|",
    row(`one run, ${m.jobs} worker threads (default --jobs)`, m.pooled),
    row("one run, --jobs 1", m.single),
    row(`${m.plans} separate runs`, m.separate),
    "",
  ].join("\n");
}

module.exports = { monorepo, monorepoMarkdown };

if (require.main === module) {
  const option = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return Number(i > 0 ? process.argv[i + 1] : fallback);
  };
  const result = monorepo({
    plans: option("plans", 50),
    resources: option("resources", 1000),
    reps: option("reps", 3),
  });
  process.stdout.write(monorepoMarkdown(result));
}
