#!/usr/bin/env node
// The benchmark behind `npm run bench` (bench/bench.sh installs the tools and builds first).
// For each plan size: wall time and peak RSS of
//   cli     ddb-guardrails validate --format json, the whole process
//   engine  readPlan + loadBundle + validatePlan in-process, after Node start-up (bench/engine-run.js)
//   opa     opa eval of the same Rego (policies/ and its data) on the same raw plan JSON
//   conftest  conftest test with the same policies (bench/conftest/adapter.rego turns findings into deny)
// Every tool must report the same set of (rule, address) or the run fails: a faster wrong answer does
// not count. Writes docs/benchmarks.md and bench/results/<date>.json.
// Then the monorepo benchmark (bench/monorepo.js): --monorepo PLANSxRESOURCES, 0 to leave it out; and the
// mixed-stack benchmark (bench/mixed.js): --mixed SIZES, 0 to leave it out; and a pull request's plan with
// its Terraform source beside it (bench/pull-request.js): --pull-request REPS, 0 to leave it out.
//   node bench/run.js [--sizes 100,1000,10000,50000] [--reps 5] [--reps-large 3] [--timeout 600] [--timeout-large 300]
//                     [--monorepo 50x1000] [--mixed 1000,10000,50000,100000] [--pull-request 5]
//                     [--memory-limits 1024,768,640] (--max-memory values the largest mixed plan is run under)

const { execFileSync } = require("node:child_process");
const { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } = require("node:fs");
const os = require("node:os");
const { join } = require("node:path");
const { generate, unitSize } = require("./generate-plan");
const { measureProcess } = require("./measure");
const { mixed, mixedMarkdown } = require("./mixed");
const { monorepo, monorepoMarkdown } = require("./monorepo");
const { pullRequest, pullRequestMarkdown } = require("./pull-request");

const ROOT = join(__dirname, "..");
const PLANS = join(__dirname, "plans");
const RESULTS = join(__dirname, "results");
const tool = (name) => (existsSync(join(ROOT, ".tools/bin", name)) ? join(ROOT, ".tools/bin", name) : name);

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const SIZES = option("sizes", "100,1000,10000,50000").split(",").map(Number);
const REPS = Number(option("reps", "5"));
// Fewer runs of the largest plans keep the whole benchmark under about 15 minutes on 2 CPUs.
const REPS_LARGE = Number(option("reps-large", "3"));
// opa eval and conftest take minutes on the largest plan: one run each, cut off after --timeout-large.
const TIMEOUT_LARGE_S = Number(option("timeout-large", "300"));
const EXTERNAL = new Set(["opa", "conftest"]);
const repsFor = (size, tool) => (size >= 50000 ? (EXTERNAL.has(tool) ? 1 : Math.min(REPS, REPS_LARGE)) : REPS);
const timeoutFor = (size, tool) => (size >= 50000 && EXTERNAL.has(tool) ? TIMEOUT_LARGE_S : TIMEOUT_S);
const TIMEOUT_S = Number(option("timeout", "600"));
const MONOREPO = option("monorepo", "50x1000");
const MIXED = option("mixed", "1000,10000,50000,100000");
const MEMORY_LIMITS = option("memory-limits", "1024,768,640").split(",").filter(Boolean).map(Number);
const PULL_REQUEST = Number(option("pull-request", String(REPS)));

const TOOLS = {
  cli: {
    title: "ddb-guardrails validate (whole process)",
    argv: (plan) => [
      process.execPath,
      join(ROOT, "dist/src/cli/main.js"),
      "validate",
      plan,
      "--format",
      "json",
      "--no-access-map",
    ],
    findings: (stdout) => JSON.parse(stdout).violations.map((f) => [f.rule, f.address]),
  },
  engine: {
    title: "engine evaluation alone (in-process)",
    argv: (plan) => [process.execPath, join(__dirname, "engine-run.js"), plan],
    findings: (stdout) => JSON.parse(stdout).findings,
    // Its own clock: excludes Node start-up and module loading.
    inProcessMs: (stdout) => JSON.parse(stdout).ms,
  },
  opa: {
    title: "opa eval (same Rego, raw plan)",
    argv: (plan) => [
      tool("opa"),
      "eval",
      "--format",
      "json",
      "-d",
      join(ROOT, "policies"),
      "--ignore",
      "*_test.rego",
      "-i",
      plan,
      "data.ddb_guardrails.main.report",
    ],
    findings: (stdout) => JSON.parse(stdout).result[0].expressions[0].value.findings.map((f) => [f.rule, f.address]),
  },
  conftest: {
    title: "conftest test (same policies)",
    argv: (plan) => [
      tool("conftest"),
      "test",
      plan,
      "--no-fail",
      "--output",
      "json",
      "--namespace",
      "ddb_guardrails.conftest",
      "-p",
      join(ROOT, "policies"),
      "-p",
      join(__dirname, "conftest"),
      "--data",
      join(ROOT, "policies"),
    ],
    findings: (stdout) =>
      JSON.parse(stdout).flatMap((file) =>
        (file.failures ?? []).map((f) => {
          const space = f.msg.indexOf(" ");
          return [f.msg.slice(0, space), f.msg.slice(space + 1)];
        }),
      ),
  },
};

function measure(argv, timeoutS = TIMEOUT_S) {
  return measureProcess(argv, { timeoutS, cwd: ROOT });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function key(findings) {
  return new Set(findings.map(([rule, address]) => `${rule}\t${address}`));
}

function sameSet(a, b) {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function version(argv) {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function machine() {
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.+)/);
  const mem = readFileSync("/proc/meminfo", "utf8").match(/MemTotal:\s*(\d+)/);
  const conftestMod = version(["go", "version", "-m", join(ROOT, ".tools/bin/conftest")]).match(
    /mod\s+github.com\/open-policy-agent\/conftest\s+(\S+)/,
  );
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    memoryGiB: mem ? (Number(mem[1]) / 1024 / 1024).toFixed(1) : "unknown",
    cpu: cpu ? cpu[1] : "unknown",
    node: process.version,
    opa: version([tool("opa"), "version"])
      .split("\n")[0]
      .replace("Version: ", ""),
    conftest: conftestMod ? conftestMod[1] : "unknown",
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
    // BENCH_COMMIT: set when benchmarking an export of a commit (no .git there).
    commit: process.env.BENCH_COMMIT ?? version(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
    dirty: process.env.BENCH_COMMIT
      ? false
      : version(["git", "-C", ROOT, "status", "--porcelain", "--", "policies", "src/engine", "bundle"]) !== "",
    rules: JSON.parse(readFileSync(join(ROOT, "bundle/rules.json"), "utf8")).rules.length,
  };
}

function main() {
  mkdirSync(PLANS, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  const env = machine();
  const seed = JSON.parse(readFileSync(join(__dirname, "seed/plan.json"), "utf8"));
  const results = [];
  for (const size of SIZES) {
    const plan = join(PLANS, `plan-${size}.json`);
    writeFileSync(plan, generate(size));
    const bytes = statSync(plan).size;
    let reference;
    for (const [tool, spec] of Object.entries(TOOLS)) {
      const runs = [];
      let failed;
      let timedOut;
      for (let rep = 0; rep < repsFor(size, tool) && !failed; rep++) {
        const run = measure(spec.argv(plan), timeoutFor(size, tool));
        if (run.failed) {
          failed = run.failed;
          timedOut = run.timedOut;
          break;
        }
        let found;
        try {
          found = key(spec.findings(run.stdout));
        } catch {
          failed = `${tool} printed no report: ${run.stderr
            .split("\n")
            .filter((l) => l && !/^\t/.test(l))
            .slice(-2)
            .join(" ")}`;
          break;
        }
        if (!reference) reference = { tool, found };
        else if (!sameSet(found, reference.found)) {
          const only = (a, b) => [...a].filter((x) => !b.has(x)).slice(0, 5);
          throw new Error(
            `${size} resources: ${tool} reports ${found.size} findings, ${reference.tool} ${reference.found.size}; ` +
              `only in ${tool}: ${JSON.stringify(only(found, reference.found))}, only in ${reference.tool}: ${JSON.stringify(only(reference.found, found))}`,
          );
        }
        runs.push({
          wall: spec.inProcessMs ? spec.inProcessMs(run.stdout) / 1000 : run.wall,
          cpu: run.cpu,
          rssKiB: run.rssKiB,
        });
      }
      const row = {
        size,
        bytes,
        tool,
        reps: runs.length,
        failed,
        timedOut,
        findings: reference?.found.size,
        wall: runs.length ? summary(runs.map((r) => r.wall)) : undefined,
        cpu: runs.length ? summary(runs.map((r) => r.cpu)) : undefined,
        rssMiB: runs.length ? summary(runs.map((r) => r.rssKiB / 1024)) : undefined,
      };
      results.push(row);
      process.stderr.write(
        `${size}\t${tool}\t${failed ?? `${row.wall.median.toFixed(3)} s\t${row.rssMiB.median.toFixed(0)} MiB\t${row.findings} findings`}\n`,
      );
    }
  }
  const real = realShape(seed);
  const [plans, resources] = MONOREPO.split("x").map(Number);
  const mono = plans > 0 ? monorepo({ plans, resources, reps: Math.min(REPS, 3) }) : undefined;
  if (mono) process.stderr.write(monorepoMarkdown(mono));
  const mixedRows =
    MIXED === "0"
      ? undefined
      : mixed({
          sizes: MIXED.split(",").map(Number),
          reps: Math.min(REPS, 3),
          repsLarge: 1,
          timeoutS: TIMEOUT_S,
          plans: PLANS,
          limits: MEMORY_LIMITS,
        });
  const pr = PULL_REQUEST > 0 ? pullRequest({ reps: PULL_REQUEST, timeoutS: TIMEOUT_S }) : undefined;
  writeFileSync(
    join(RESULTS, `${env.date.slice(0, 19).replace(/:/g, "")}.json`),
    `${JSON.stringify({ env, results, real, monorepo: mono, mixed: mixedRows, pullRequest: pr }, null, 1)}\n`,
  );
  writeFileSync(join(ROOT, "docs/benchmarks.md"), markdown(env, results, real, unitSize(seed), mono, mixedRows, pr));
  process.stderr.write("wrote docs/benchmarks.md\n");
}

/**
 * Compares a generated plan with a real one of the same size (bench/plan-seed.sh, 20 units, planned once
 * and kept in bench/plans/real-2000-<seed hash>.json): counts per type, size, configuration, and the same findings.
 */
function realShape(seed) {
  // Planned again whenever the seed HCL or the script changes.
  const hash = require("node:crypto").createHash("sha256");
  for (const f of ["seed/unit/main.tf", "seed/table/main.tf", "plan-seed.sh"])
    hash.update(readFileSync(join(__dirname, f)));
  const realPath = join(PLANS, `real-2000-${hash.digest("hex").slice(0, 12)}.json`);
  if (!existsSync(realPath)) {
    process.stderr.write("planning 2,000 resources for real (bench/plan-seed.sh 20), once...\n");
    const started = Date.now();
    writeFileSync(
      realPath,
      execFileSync("bash", [join(__dirname, "plan-seed.sh"), "20"], {
        cwd: ROOT,
        maxBuffer: 1 << 30,
        encoding: "utf8",
      }),
    );
    writeFileSync(`${realPath}.seconds`, String((Date.now() - started) / 1000));
  }
  const size = 20 * unitSize(seed);
  const generatedPath = join(PLANS, `generated-${size}.json`);
  writeFileSync(generatedPath, generate(size));
  const shape = (path) => {
    const text = readFileSync(path, "utf8");
    const plan = JSON.parse(text);
    const types = {};
    for (const c of plan.resource_changes) types[`${c.mode} ${c.type}`] = (types[`${c.mode} ${c.type}`] ?? 0) + 1;
    const strip = (p) => {
      const { timestamp, ...rest } = p;
      return rest;
    };
    return {
      bytes: text.length,
      changes: plan.resource_changes.length,
      types,
      moduleCalls: Object.keys(plan.configuration.root_module.module_calls ?? {}).length,
      configBytes: JSON.stringify(plan.configuration).length,
      plannedBytes: JSON.stringify(plan.planned_values).length,
      canonical: JSON.stringify(sortKeys(strip(plan))),
    };
  };
  const a = shape(realPath);
  const b = shape(generatedPath);
  const cli = (path) => {
    try {
      return JSON.parse(measure(TOOLS.cli.argv(path)).stdout)
        .violations.map((f) => `${f.rule}\t${f.address}`)
        .sort();
    } catch {
      return [];
    }
  };
  const realFindings = cli(realPath);
  const genFindings = cli(generatedPath);
  return {
    size,
    planSeconds: existsSync(`${realPath}.seconds`) ? Number(readFileSync(`${realPath}.seconds`, "utf8")) : undefined,
    real: { ...a, canonical: undefined },
    generated: { ...b, canonical: undefined },
    identical: a.canonical === b.canonical,
    sameTypes: JSON.stringify(sortKeys(a.types)) === JSON.stringify(sortKeys(b.types)),
    findings: {
      real: realFindings.length,
      generated: genFindings.length,
      same: JSON.stringify(realFindings) === JSON.stringify(genFindings),
    },
  };
}

/** Order-insensitive form for comparison: object keys sorted, arrays of resources sorted by address. */
function sortKeys(value) {
  if (Array.isArray(value)) {
    const items = value.map(sortKeys);
    const id = (i) => (i && typeof i === "object" ? JSON.stringify([i.address ?? i.resource, i.attribute]) : undefined);
    if (items.every((i) => typeof (i?.address ?? i?.resource) === "string"))
      items.sort((x, y) => (id(x) < id(y) ? -1 : id(x) > id(y) ? 1 : 0));
    return items;
  }
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  return value;
}

function fmt(s, digits = 2) {
  return s ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : "";
}

function markdown(env, results, real, unit, mono, mixedRows, pr) {
  const lines = [];
  const by = (size, tool) => results.find((r) => r.size === size && r.tool === tool);
  lines.push("# Benchmarks", "");
  lines.push("Written by `npm run bench` (bench/run.js); do not edit by hand.", "");
  lines.push(
    `Run ${env.date} on ${env.nproc} CPUs (${env.cpu}), ${env.memoryGiB} GiB memory; Node ${env.node}, opa ${env.opa}, ` +
      `conftest ${env.conftest}; commit ${env.commit}${env.dirty ? " with uncommitted changes to policies/engine" : ""}, ${env.rules} rules in the bundle. ` +
      `Load average at start: ${env.loadavg} (other work on the machine makes wall times noisy; CPU time is given beside them).`,
    "",
  );
  lines.push(
    "Plans: `bench/generate-plan.js` replicates a real `terraform show -json` of `bench/seed` (one service of " +
      `${unit} resources: tables with and without CMKs, IAM roles and policies, VPCs with and without a DynamoDB endpoint, ` +
      "Lambda functions, a CloudTrail, and S3 buckets, SNS topics, SQS queues, security groups and log groups making up 70% of it) " +
      "as `module.unit_NNNNN` blocks, with addresses, names, references and configuration renamed together.",
    "",
  );
  lines.push(
    `Each figure: median (min–max) of ${REPS} runs; at 50,000 resources ${Math.min(REPS, REPS_LARGE)} runs of ddb-guardrails and one of opa eval and conftest, stopped after ${TIMEOUT_LARGE_S} s. "engine" wall is timed inside the process (readPlan + loadBundle + validatePlan, no Node start-up); CPU and RSS are always the whole process'.`,
    "",
  );
  lines.push(
    "| resources | plan | tool | wall s | CPU s | peak RSS MiB | findings |",
    "|---:|---:|---|---:|---:|---:|---:|",
  );
  for (const r of results) {
    const cells = r.timedOut
      ? [`> ${r.timedOut} (stopped)`, "", "", ""]
      : r.failed
        ? [`failed: ${r.failed.replace(/\|/g, "\\|").slice(0, 120)}`, "", "", ""]
        : [fmt(r.wall), fmt(r.cpu), fmt(r.rssMiB, 0), String(r.findings)];
    lines.push(
      `| ${r.size.toLocaleString("en")} | ${(r.bytes / 1048576).toFixed(1)} MB | ${r.tool} | ${cells.join(" | ")} |`,
    );
  }
  lines.push(
    "",
    "Every tool that finished reported the same set of (rule, address) at every size (the run fails otherwise).",
    "",
  );

  lines.push("## Targets", "");
  const check = (label, ok, figure) =>
    lines.push(`- ${ok === undefined ? "not measured" : ok ? "met" : "**missed**"}: ${label} (${figure})`);
  const e10 = by(10000, "engine");
  const c10 = by(10000, "cli");
  const e50 = by(50000, "engine");
  const c50 = by(50000, "cli");
  const m = (r) => r?.wall?.median;
  const cpu = (r) => (r?.cpu ? `, CPU ${r.cpu.median.toFixed(2)} s` : "");
  check(
    "engine evaluation of 10,000 resources < 1 s",
    m(e10) === undefined ? undefined : m(e10) < 1,
    `${m(e10)?.toFixed(2) ?? e10?.failed} s wall${cpu(e10)} for the whole engine process`,
  );
  check(
    "whole process at 10,000 resources < 2 s",
    m(c10) === undefined ? undefined : m(c10) < 2,
    `${m(c10)?.toFixed(2) ?? c10?.failed} s wall${cpu(c10)}`,
  );
  check(
    "50,000 within 5x the 10,000 time (engine)",
    m(e50) === undefined || m(e10) === undefined ? undefined : m(e50) <= 5 * m(e10),
    `${m(e50)?.toFixed(2) ?? e50?.failed} s vs 5 × ${m(e10)?.toFixed(2)} s`,
  );
  check(
    "peak RSS < 1 GiB at 50,000 (whole process)",
    c50?.rssMiB ? c50.rssMiB.max < 1024 : undefined,
    `${c50?.rssMiB?.max.toFixed(0) ?? c50?.failed} MiB`,
  );
  for (const size of SIZES.filter((s) => s > 1000)) {
    const c = by(size, "cli");
    const o = by(size, "opa");
    const opaWall = m(o) ?? o?.timedOut;
    check(
      `faster than opa eval at ${size.toLocaleString("en")} (whole process vs whole process)`,
      m(c) === undefined || opaWall === undefined ? undefined : m(c) < opaWall,
      `${m(c)?.toFixed(2) ?? c?.failed} s vs ${m(o)?.toFixed(2) ?? (o?.timedOut ? `more than ${o.timedOut}` : o?.failed)} s`,
    );
  }
  lines.push("");

  if (mono) lines.push("## Several plans in one run (monorepos)", "", monorepoMarkdown(mono));
  if (mixedRows) lines.push("## A mixed stack, as large real stacks are made", "", mixedMarkdown(mixedRows));
  if (pr) lines.push("## A pull request's plan with its Terraform source", "", pullRequestMarkdown(pr));

  lines.push("## How close the generated plans are to a real one", "");
  lines.push(
    `\`bench/plan-seed.sh 20\` plans the same HCL with 20 unit module blocks (${real.size.toLocaleString("en")} resources) with terraform, offline` +
      (real.planSeconds ? ` (${real.planSeconds.toFixed(0)} s)` : "") +
      `; \`generate-plan.js ${real.size}\` builds the same size from the 100-resource seed.`,
    "",
  );
  lines.push("| | real plan | generated |", "|---|---:|---:|");
  lines.push(
    `| JSON size | ${real.real.bytes.toLocaleString("en")} B | ${real.generated.bytes.toLocaleString("en")} B |`,
  );
  lines.push(`| resource_changes | ${real.real.changes} | ${real.generated.changes} |`);
  lines.push(`| module calls in configuration | ${real.real.moduleCalls} | ${real.generated.moduleCalls} |`);
  lines.push(
    `| configuration JSON | ${real.real.configBytes.toLocaleString("en")} B | ${real.generated.configBytes.toLocaleString("en")} B |`,
  );
  lines.push(
    `| planned_values JSON | ${real.real.plannedBytes.toLocaleString("en")} B | ${real.generated.plannedBytes.toLocaleString("en")} B |`,
  );
  lines.push(`| findings (ddb-guardrails) | ${real.findings.real} | ${real.findings.generated} |`);
  lines.push("");
  lines.push(
    `Resource counts per type ${real.sameTypes ? "are identical" : "differ"}; the findings ${real.findings.same ? "are the same (rule, address) pairs" : "differ"}; ` +
      `the two plans, timestamps aside and arrays compared by address, are ${real.identical ? "identical" : "not identical (see bench/results/*.json)"}.`,
    "",
  );
  // Hand-written: what the profiles showed and what was changed (bench/profile-notes.md).
  lines.push(readFileSync(join(__dirname, "profile-notes.md"), "utf8").trim(), "");
  return lines.join("\n");
}

main();
