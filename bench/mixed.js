#!/usr/bin/env node
// The mixed-stack benchmark (bench/seed/mixed: a table, its key, a role with inline and managed policies,
// a Lambda function in a VPC with subnet, route table, security group and endpoint, monitoring; the
// account's trail and change alerts once): `ddb-guardrails validate -f json --no-access-map` as a whole process at each
// size, beside the floor measured in the same run (node reading the same file and JSON.parse). The findings
// must be exactly one unit's, once per unit, and the root module's once, or the run fails.
// Part of `npm run bench` (bench/run.js --mixed); alone:
//   node bench/mixed.js [--sizes 1000,10000,50000,100000] [--reps 3] [--reps-large 1] [--timeout 600]
//                       [--limits 1024,768,640] (--max-memory values the largest plan is also run under)

const { mkdirSync, statSync, writeFileSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const { generate, replicate, unitSize } = require("./generate-plan");
const { measureProcess } = require("./measure");

const ROOT = join(__dirname, "..");
const SEED = join(__dirname, "seed", "mixed", "plan.json");
const CLI = join(ROOT, "dist/src/cli/main.js");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** (rule, address) of every finding in a JSON report. */
const pairs = (stdout) =>
  JSON.parse(stdout)
    .violations.map((f) => `${f.rule}\t${f.address}`)
    .sort();

/** What the plan of `units` copies must report: the seed's unit findings renamed per unit, the root's once. */
function expectedFindings(units, timeoutS, plans) {
  // The seed's copy in the plans folder: the generated plans, like it, have no Terraform source beside them
  // (the seed's own folder holds the source it was planned from, laid out for plan-seed.sh).
  const seed = join(plans, "mixed-seed.json");
  writeFileSync(seed, readFileSync(SEED));
  const run = measureProcess([process.execPath, CLI, "validate", seed, "-f", "json", "--no-access-map"], {
    timeoutS,
    cwd: ROOT,
  });
  if (run.failed) throw new Error(`mixed seed: ${run.failed}`);
  const found = pairs(run.stdout);
  const unit = found.filter((p) => p.includes("\tmodule.unit_00001."));
  const root = found.filter((p) => !p.includes("\tmodule."));
  const expected = [...root];
  for (let i = 1; i <= units; i++) for (const p of unit) expected.push(replicate(p, i));
  return expected.sort();
}

/**
 * The largest plan under each --max-memory in `limits` (MiB), one run each: peak RSS, and either the
 * expected findings (exit 1) or one line naming --max-memory (exit 2); anything else fails the run.
 */
function underLimits(plan, expected, limits, timeoutS) {
  return limits.map((limit) => {
    const argv = [
      process.execPath,
      CLI,
      "validate",
      plan,
      "-f",
      "json",
      "--no-access-map",
      "--max-memory",
      String(limit),
    ];
    const run = measureProcess(argv, { timeoutS, cwd: ROOT, exitCodes: [1, 2] });
    if (run.failed) throw new Error(`mixed under --max-memory ${limit}: ${run.failed}`);
    const said = run.stderr.split("\n").find((l) => l.startsWith("ddb-guardrails: error: "));
    if (run.status === 2 && !/--max-memory/.test(said ?? ""))
      throw new Error(`mixed under --max-memory ${limit}: exit 2 without naming --max-memory: ${said}`);
    if (run.status === 1 && JSON.stringify(pairs(run.stdout)) !== JSON.stringify(expected))
      throw new Error(`mixed under --max-memory ${limit}: other findings than one unit's per unit`);
    process.stderr.write(
      `mixed under --max-memory ${limit}: exit ${run.status}, ${Math.round(run.rssKiB / 1024)} MiB\n`,
    );
    return { limit, status: run.status, wall: run.wall, rssMiB: run.rssKiB / 1024, ...(said ? { said } : {}) };
  });
}

function mixed({ sizes, reps = 3, repsLarge = 1, timeoutS = 600, plans = join(__dirname, "plans"), limits = [] }) {
  mkdirSync(plans, { recursive: true });
  const unit = unitSize(JSON.parse(readFileSync(SEED, "utf8")));
  const rows = [];
  for (const size of sizes) {
    const plan = join(plans, `mixed-${size}.json`);
    writeFileSync(plan, generate(size, SEED));
    const expected = expectedFindings(size / unit, timeoutS, plans);
    const n = size >= 50000 ? repsLarge : reps;
    const row = { size, bytes: statSync(plan).size, findings: expected.length };
    for (const [tool, argv] of [
      ["floor", [process.execPath, "-e", `JSON.parse(require("fs").readFileSync(${JSON.stringify(plan)}, "utf8"))`]],
      // The findings alone, as before the access map: it has a row of its own below.
      ["cli", [process.execPath, CLI, "validate", plan, "-f", "json", "--no-access-map"]],
    ]) {
      const runs = [];
      for (let rep = 0; rep < n; rep++) {
        const run = measureProcess(argv, { timeoutS, cwd: ROOT });
        if (run.failed) {
          row[tool] = { failed: run.failed };
          break;
        }
        if (tool === "cli") {
          const found = pairs(run.stdout);
          if (JSON.stringify(found) !== JSON.stringify(expected))
            throw new Error(
              `mixed ${size}: ${found.length} findings, expected ${expected.length} (one unit's per unit)`,
            );
        }
        runs.push(run);
      }
      if (!row[tool])
        row[tool] = {
          wall: summary(runs.map((r) => r.wall)),
          cpu: summary(runs.map((r) => r.cpu)),
          rssMiB: summary(runs.map((r) => r.rssKiB / 1024)),
          runs: runs.length,
        };
    }
    if (size === Math.max(...sizes) && limits.length > 0) row.limits = underLimits(plan, expected, limits, timeoutS);
    rows.push(row);
    process.stderr.write(`mixed ${size}: ${JSON.stringify({ floor: row.floor.wall, cli: row.cli.wall ?? row.cli })}\n`);
  }
  return rows;
}

const fmt = (s, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

function mixedMarkdown(rows) {
  const lines = [
    "`bench/generate-plan.js N bench/seed/mixed/plan.json` replicates a real plan of one service (20 resources: a table under its own key, a Lambda function in a VPC with subnet, route table, security group and gateway endpoint, its role with an inline and two managed policies, an alarm, contributor insights, a dead-letter queue) with the account's trail and change alerts once in the root module. " +
      "Whole process (`validate -f json`); the floor is node reading the same file and `JSON.parse`, in the same run. Median (min–max); 3 runs, 1 from 50,000 resources. " +
      "Every run reported exactly one unit's findings once per unit and the root module's once.",
    "",
    "| resources | plan | floor wall s | cli wall s | cli CPU s | cli peak RSS MiB | × floor | findings |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const cli = r.cli.failed
      ? [`failed: ${r.cli.failed.replace(/\|/g, "\\|").slice(0, 100)}`, "", "", ""]
      : [
          fmt(r.cli.wall),
          fmt(r.cli.cpu),
          fmt(r.cli.rssMiB, 0),
          r.floor.wall ? (r.cli.wall.median / r.floor.wall.median).toFixed(1) : "",
        ];
    lines.push(
      `| ${r.size.toLocaleString("en")} | ${(r.bytes / 1048576).toFixed(1)} MB | ${r.floor.wall ? fmt(r.floor.wall) : r.floor.failed} | ${cli.join(" | ")} | ${r.findings} |`,
    );
  }
  const by = (size) => rows.find((r) => r.size === size);
  const wall = (size) => by(size)?.cli?.wall?.median;
  const check = (label, ok, figure) =>
    lines.push(`- ${ok === undefined ? "not measured" : ok ? "met" : "**missed**"}: ${label} (${figure})`);
  lines.push("", "Targets (issue #24):", "");
  const big = by(100000)?.cli;
  check(
    "100,000 resources evaluated, peak RSS < 1 GiB",
    big ? !big.failed && big.rssMiB.max < 1024 : undefined,
    big ? (big.failed ?? `${big.rssMiB.max.toFixed(0)} MiB`) : "not in this run",
  );
  const floor10 = by(10000)?.floor?.wall?.median;
  check(
    "10,000 resources within 4x the floor",
    wall(10000) && floor10 ? wall(10000) <= 4 * floor10 : undefined,
    `${wall(10000)?.toFixed(2)} s vs 4 × ${floor10?.toFixed(2)} s`,
  );
  check(
    "100,000 within 12x of 10,000",
    wall(100000) && wall(10000) ? wall(100000) <= 12 * wall(10000) : undefined,
    `${wall(100000)?.toFixed(2)} s vs 12 × ${wall(10000)?.toFixed(2)} s`,
  );
  check(
    "1,000 resources in 0.64 s or less",
    wall(1000) === undefined ? undefined : wall(1000) <= 0.64,
    `${wall(1000)?.toFixed(2)} s`,
  );
  const limited = rows.find((r) => r.limits);
  if (limited) {
    lines.push(
      "",
      `Under \`--max-memory\` (the whole process's memory), ${limited.size.toLocaleString("en")} resources, one run each: either the same findings, or exit 2 with one line naming \`--max-memory\`.`,
      "",
      "| --max-memory MiB | exit | wall s | peak RSS MiB | within the limit | said |",
      "|---:|---:|---:|---:|---|---|",
    );
    for (const l of limited.limits)
      lines.push(
        `| ${l.limit} | ${l.status} | ${l.wall.toFixed(2)} | ${l.rssMiB.toFixed(0)} | ${l.rssMiB <= l.limit ? "yes" : "**no**"} | ${(l.said ?? "").replace("ddb-guardrails: error: ", "").replace(/\|/g, "\\|")} |`,
      );
    lines.push("");
    check(
      "`--max-memory` bounds the whole process (peak RSS within the limit at every limit above)",
      limited.limits.every((l) => l.rssMiB <= l.limit),
      limited.limits.map((l) => `${l.rssMiB.toFixed(0)} of ${l.limit}`).join(", "),
    );
  }
  lines.push("");
  return lines.join("\n");
}

module.exports = { mixed, mixedMarkdown };

if (require.main === module) {
  const option = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const rows = mixed({
    sizes: option("sizes", "1000,10000,50000,100000").split(",").map(Number),
    reps: Number(option("reps", "3")),
    repsLarge: Number(option("reps-large", "1")),
    timeoutS: Number(option("timeout", "600")),
    limits: option("limits", "1024,768,640").split(",").filter(Boolean).map(Number),
  });
  mkdirSync(join(__dirname, "results"), { recursive: true });
  writeFileSync(
    join(__dirname, "results", `mixed-${new Date().toISOString().replace(/[:.]/g, "-")}.json`),
    `${JSON.stringify(rows, null, 2)}\n`,
  );
  process.stdout.write(`${mixedMarkdown(rows)}\n`);
}
