#!/usr/bin/env node
// A pull request's plan with its Terraform source beside it: the mixed stack's seed (bench/seed/mixed,
// 26 resources) laid out as bench/plan-seed.sh planned it (root/ with root.tf, main.tf calling ../unit,
// and plan.json), validated as a whole process (`validate root/plan.json -f json`, which reads the source
// beside the plan):
//   cold    an empty parse cache (XDG_CACHE_HOME new for every run): the HCL parser starts and parses
//   warm    the cache filled by a run before: what the next run on an unchanged file finds
//   plan    the same plan.json alone, no source beside it
// Every run must report the same findings as the first cold run, or the benchmark fails.
// Part of `npm run bench` (bench/run.js --pull-request REPS, 0 to leave it out); alone:
//   node bench/pull-request.js [--reps 5]

const { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { measureProcess } = require("./measure");

const ROOT = join(__dirname, "..");
const SEED = join(__dirname, "seed", "mixed");
const CLI = join(ROOT, "dist/src/cli/main.js");
const TARGET_S = 0.4;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** The seed as plan-seed.sh lays it out for one unit, with its plan: the root module's directory. */
function layOut(work) {
  const root = join(work, "root");
  mkdirSync(root, { recursive: true });
  cpSync(join(SEED, "unit"), join(work, "unit"), { recursive: true });
  copyFileSync(join(SEED, "root.tf"), join(root, "root.tf"));
  copyFileSync(join(ROOT, "test/fixtures/offline-provider.tf"), join(root, "_offline_provider.tf"));
  // As bench/plan-seed.sh writes it for `plan-seed.sh 1 mixed`.
  writeFileSync(
    join(root, "main.tf"),
    'variable "vpc_cidr" {\n  type    = string\n  default = "10.20.0.0/16"\n}\n\n' +
      'module "unit_00001" {\n  source   = "../unit"\n  name     = "unit-00001"\n  vpc_cidr = var.vpc_cidr\n}\n',
  );
  copyFileSync(join(SEED, "plan.json"), join(root, "plan.json"));
  const alone = join(work, "alone");
  mkdirSync(alone);
  copyFileSync(join(SEED, "plan.json"), join(alone, "plan.json"));
  return { withSource: join(root, "plan.json"), alone: join(alone, "plan.json") };
}

const pairs = (stdout) =>
  JSON.parse(stdout)
    .violations.map((f) => `${f.rule}\t${f.address}`)
    .sort()
    .join("\n");

function pullRequest({ reps = 5, timeoutS = 120 } = {}) {
  const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-bench-pr-"));
  try {
    const plans = layOut(work);
    const caches = join(work, "caches");
    const warmCache = join(caches, "warm");
    const env = (cache) => ["env", `XDG_CACHE_HOME=${cache}`];
    const cases = {
      cold: (rep) => [...env(join(caches, `cold-${rep}`)), process.execPath, CLI, "validate", plans.withSource],
      warm: () => [...env(warmCache), process.execPath, CLI, "validate", plans.withSource],
      plan: () => [...env(warmCache), process.execPath, CLI, "validate", plans.alone],
    };
    const rows = {};
    let expected;
    // Fills the warm cache, and gives the findings every run with the source must report.
    for (const [name, argv] of Object.entries(cases)) {
      const runs = [];
      for (let rep = 0; rep < reps + (name === "warm" ? 1 : 0); rep++) {
        const run = measureProcess([...argv(rep), "-f", "json"], { timeoutS, cwd: ROOT });
        if (run.failed) throw new Error(`pull request ${name}: ${run.failed}`);
        const found = pairs(run.stdout);
        if (name !== "plan") {
          expected ??= found;
          if (found !== expected) throw new Error(`pull request ${name}: the findings differ from the first run's`);
        }
        if (name === "warm" && rep === 0) continue; // the run that filled the cache
        runs.push(run);
      }
      rows[name] = {
        wall: summary(runs.map((r) => r.wall)),
        cpu: summary(runs.map((r) => r.cpu)),
        rssMiB: summary(runs.map((r) => r.rssKiB / 1024)),
        runs: runs.length,
      };
      process.stderr.write(`pull request ${name}: ${rows[name].wall.median.toFixed(2)} s\n`);
    }
    rows.resources = JSON.parse(readFileSync(plans.alone, "utf8")).resource_changes.length;
    rows.findings = expected.split("\n").length;
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (s, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

function pullRequestMarkdown(rows) {
  const lines = [
    `The mixed stack's seed (${rows.resources} resources, a module called from the root) with its Terraform source beside the plan, as a pull request's check runs it: \`validate root/plan.json -f json\`, whole process, median (min–max) of ${rows.cold.runs} runs. ` +
      "Cold: an empty parse cache (the HCL parser's Go runtime starts and parses every file); warm: the cache a run before filled; plan alone: the same plan without source. " +
      `Every run with the source reported the same ${rows.findings} findings.`,
    "",
    "| case | wall s | CPU s | peak RSS MiB |",
    "|---|---:|---:|---:|",
  ];
  const names = { cold: "source, cold cache", warm: "source, warm cache", plan: "plan alone" };
  for (const [key, label] of Object.entries(names))
    lines.push(`| ${label} | ${fmt(rows[key].wall)} | ${fmt(rows[key].cpu)} | ${fmt(rows[key].rssMiB, 0)} |`);
  const met = (key) => (rows[key].wall.median <= TARGET_S ? "met" : "**missed**");
  lines.push(
    "",
    `Target (issue #24): a pull request's plan with its source in ${TARGET_S} s or less: ${met("cold")} cold (${rows.cold.wall.median.toFixed(2)} s), ${met("warm")} warm (${rows.warm.wall.median.toFixed(2)} s).`,
    "",
  );
  return lines.join("\n");
}

module.exports = { pullRequest, pullRequestMarkdown };

if (require.main === module) {
  const i = process.argv.indexOf("--reps");
  const rows = pullRequest({ reps: i > 0 ? Number(process.argv[i + 1]) : 5 });
  process.stdout.write(`${pullRequestMarkdown(rows)}\n`);
}
