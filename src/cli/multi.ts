import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import picomatch from "picomatch";
import { displayPath, GuardrailsError, isConfigFile, type Report, type Rule } from "../engine";
import { formatters, type FormatContext, type FormatName, type Style } from "./formatters";
import { junitOfPlans } from "./formatters/junit";

/** One plan of a multi-plan run: the input as given (or expanded), its report and its locations. */
export interface PlanRun {
  readonly input: string;
  readonly report: Report;
  readonly context: FormatContext;
}

const GLOB = /[*?[\]{}]/;
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".terraform"]);
/** Never projects of their own: provider caches, dependencies, CDKTF's synthesized copies. */
const NOT_PROJECTS = new Set(["node_modules", ".terraform", "cdktf.out"]);

/** How far a search for projects (or a glob) goes before it stops with exit 2 instead of running on. */
export const WALK_LIMITS = { depth: 24, entries: 200_000 };

/** A Terraform or CDKTF project directory (what `validate <dir>` plans), by its marker files. */
function isProjectDirectory(dir: string): boolean {
  if (existsSync(join(dir, "cdktf.json")) || existsSync(join(dir, "manifest.json"))) return true;
  return readdirSync(dir).some(isConfigFile);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** Counts what a walk reads and stops it (GuardrailsError) past WALK_LIMITS or the deadline. */
function walkBudget(root: string, deadline: number | undefined) {
  let entries = 0;
  return {
    read(dir: string, depth: number) {
      if (depth > WALK_LIMITS.depth)
        throw new GuardrailsError(
          `${root}: folders nested deeper than ${WALK_LIMITS.depth} levels (${dir}); name the stacks to validate`,
        );
      if (deadline !== undefined && Date.now() > deadline)
        throw new GuardrailsError(
          `${root}: searching for projects took longer than --timeout; name the stacks to validate`,
        );
      const list = readdirSync(dir, { withFileTypes: true });
      entries += list.length;
      if (entries > WALK_LIMITS.entries)
        throw new GuardrailsError(
          `${root}: more than ${WALK_LIMITS.entries} entries under it; name the stacks to validate`,
        );
      return list;
    },
  };
}

/** Every file and folder under base (not into node_modules, .git, .terraform), as paths joined to base. */
function walk(base: string, budget = walkBudget(base, undefined), depth = 0): string[] {
  const out: string[] = [];
  for (const entry of budget.read(base, depth)) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = base === "." ? entry.name : join(base, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...walk(path, budget, depth + 1));
  }
  return out;
}

/**
 * Local module sources (./x, ../x) called from the files terraform reads in a project (isConfigFile:
 * an ignored file could otherwise mark a real stack as a module and hide it), as absolute paths.
 */
function localModuleDirs(dir: string): string[] {
  const calls: string[] = [];
  for (const name of readdirSync(dir).filter(isConfigFile)) {
    const text = readFileSync(join(dir, name), "utf8");
    for (const m of text.matchAll(/(?:^|[\s{,])"?source"?\s*[=:]\s*"(\.\.?(?:\/[^"]*)?)"/gm))
      calls.push(resolve(dir, m[1]));
  }
  return calls;
}

/**
 * Every Terraform and CDKTF project under root, at any depth: not into hidden folders, node_modules,
 * .terraform or cdktf.out, and not folders that another project found calls as a module. Bounded by
 * WALK_LIMITS and the deadline; symlinked folders are not followed.
 */
export function findProjects(root: string, deadline?: number): string[] {
  const budget = walkBudget(root, deadline);
  const projects: string[] = [];
  const visit = (dir: string, depth: number): void => {
    const list = budget.read(dir, depth);
    if (depth > 0 && isProjectDirectory(dir)) projects.push(dir);
    for (const e of list) {
      if (e.isDirectory() && !e.name.startsWith(".") && !NOT_PROJECTS.has(e.name)) visit(join(dir, e.name), depth + 1);
    }
  };
  visit(root, 0);
  // A folder is left out only as a module some root project reaches through its calls: a project that
  // calls itself, or folders calling each other in a loop, are still validated, never silently skipped.
  const calls = new Map(projects.map((p) => [resolve(p), localModuleDirs(p).filter((c) => c !== resolve(p))]));
  const calledByOther = new Set([...calls.values()].flat());
  const roots = projects.filter((p) => !calledByOther.has(resolve(p)));
  const reached = new Set<string>();
  const queue = roots.flatMap((p) => calls.get(resolve(p)) ?? []);
  while (queue.length > 0) {
    const dir = queue.pop()!;
    if (reached.has(dir)) continue;
    reached.add(dir);
    queue.push(...(calls.get(dir) ?? []));
  }
  return projects.filter((p) => !reached.has(resolve(p))).sort();
}

/**
 * The plans named on the command line: globs expanded (sorted), and a directory that is not itself a
 * project but holds projects (a directory of stacks, at any depth) replaced by those projects, each
 * passed to `found`. A glob that matches nothing is an error, not an empty run.
 */
export function expandInputs(
  inputs: readonly string[],
  options: { deadline?: number; found?: (dir: string, projects: readonly string[]) => void } = {},
): string[] {
  return inputs.flatMap((input) => {
    if (input !== "-" && GLOB.test(input) && !existsSync(input)) {
      const { base } = picomatch.scan(input);
      const isMatch = picomatch(input, { dot: false });
      const found = existsSync(base || ".")
        ? walk(base || ".", walkBudget(input, options.deadline))
            .filter((p) => isMatch(p))
            .sort()
        : [];
      if (found.length === 0) throw new GuardrailsError(`${input}: matches no file or directory`);
      return found;
    }
    if (isDirectory(input) && !isProjectDirectory(input)) {
      const stacks = findProjects(input, options.deadline);
      if (stacks.length > 0) {
        options.found?.(input, stacks);
        return stacks;
      }
    }
    return [input];
  });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The combined verdict of several plans: every plan must pass. */
export function allPassed(runs: readonly PlanRun[]): boolean {
  return runs.every((r) => r.report.summary.passed);
}

function verdictLine(runs: readonly PlanRun[]): string {
  const failed = runs.filter((r) => !r.report.summary.passed).length;
  const violations = runs.reduce((n, r) => n + r.report.summary.violations, 0);
  const head = failed ? `FAIL ${failed} of ${plural(runs.length, "plan")}` : `PASS ${plural(runs.length, "plan")}`;
  return `${head}, ${plural(violations, "violation")} in all`;
}

type Combined = (runs: readonly PlanRun[], rules: readonly Rule[], style: Style) => string;

/** One report per format for several plans: per-plan sections (text, Markdown), runs (SARIF), suites (JUnit). */
export const combinedFormatters: Record<FormatName, Combined> = {
  text: (runs, rules, style) => {
    const sections = runs.map((r) => `== ${r.input}\n${formatters.text(r.report, rules, style, r.context)}`);
    return `${sections.join("\n")}\n${verdictLine(runs)}\n`;
  },
  json: (runs) => {
    const first = runs[0].report;
    const summary = {
      plans: runs.length,
      failedPlans: runs.filter((r) => !r.report.summary.passed).length,
      resources: runs.reduce((n, r) => n + r.report.summary.resources, 0),
      violations: runs.reduce((n, r) => n + r.report.summary.violations, 0),
      waived: runs.reduce((n, r) => n + r.report.summary.waived, 0),
      failOn: first.summary.failOn,
      passed: allPassed(runs),
    };
    const plans = runs.map((r) => ({ input: r.input, ...r.report }));
    return `${JSON.stringify({ tool: first.tool, bundle: first.bundle, summary, plans }, null, 2)}\n`;
  },
  sarif: (runs, rules, style) => {
    // One SARIF run per plan; automationDetails tells code scanning the runs apart.
    const logs = runs.map((r) => JSON.parse(formatters.sarif(r.report, rules, style, r.context)));
    const sarifRuns = logs.map((log, i) => ({
      ...log.runs[0],
      automationDetails: { id: `ddb-guardrails/${runs[i].input}/` },
    }));
    return `${JSON.stringify({ ...logs[0], runs: sarifRuns }, null, 2)}\n`;
  },
  junit: (runs, rules) => junitOfPlans(runs, rules),
  markdown: (runs, rules, style) => {
    const rows = runs.map((r) => {
      const s = r.report.summary;
      const verdict = s.passed ? "✅ passed" : "❌ failed";
      return `| \`${r.input.replace(/[`|]/g, "_")}\` | ${verdict} | ${s.violations} | ${s.waived} | ${s.resources} |`;
    });
    const table = [
      "| Plan | Verdict | Violations | Waived | Resources |",
      "| --- | --- | ---: | ---: | ---: |",
      ...rows,
    ];
    // each plan's own Markdown, its heading turned into the plan's section
    const sections = runs.map((r) => {
      const body = formatters.markdown(r.report, rules, style, r.context).replace(/^### ddb-guardrails: /, "");
      return `#### ${r.input}\n\n${body}`;
    });
    const head = `### ddb-guardrails: ${allPassed(runs) ? "✅" : "❌"} ${verdictLine(runs)}`;
    return [head, "", ...table, "", ...sections].join("\n");
  },
  gitlab: (runs, rules, style) => {
    const all: { fingerprint: string }[] = runs.flatMap((r) =>
      JSON.parse(formatters.gitlab(r.report, rules, style, r.context)),
    );
    // The partial-rule-set issue is the same for every plan (one selection per run): kept once.
    const issues = all.filter((issue, i) => all.findIndex((x) => x.fingerprint === issue.fingerprint) === i);
    return `${JSON.stringify(issues, null, 2)}\n`;
  },
};

/** An input as the reports name it: relative to the working directory when inside it, else absolute. */
export function displayInput(input: string): string {
  if (input === "-") return "stdin";
  return displayPath(resolve(input)) || ".";
}
