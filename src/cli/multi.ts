import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import { GuardrailsError, type Report, type Rule } from "../engine";
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

/** A Terraform or CDKTF project directory (what `validate <dir>` plans), by its marker files. */
function isProjectDirectory(dir: string): boolean {
  if (existsSync(join(dir, "cdktf.json")) || existsSync(join(dir, "manifest.json"))) return true;
  return readdirSync(dir).some((n) => n.endsWith(".tf") || n.endsWith(".tf.json"));
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** Every file and folder under base (not into node_modules, .git, .terraform), as paths joined to base. */
function walk(base: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = base === "." ? entry.name : join(base, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...walk(path));
  }
  return out;
}

/**
 * The plans named on the command line: globs expanded (sorted), and a directory that is not itself a
 * project but holds projects (a directory of stacks) replaced by those projects. A glob that matches
 * nothing is an error, not an empty run.
 */
export function expandInputs(inputs: readonly string[]): string[] {
  return inputs.flatMap((input) => {
    if (input !== "-" && GLOB.test(input) && !existsSync(input)) {
      const { base } = picomatch.scan(input);
      const isMatch = picomatch(input, { dot: false });
      const found = existsSync(base || ".")
        ? walk(base || ".")
            .filter((p) => isMatch(p))
            .sort()
        : [];
      if (found.length === 0) throw new GuardrailsError(`${input}: matches no file or directory`);
      return found;
    }
    if (isDirectory(input) && !isProjectDirectory(input)) {
      const stacks = readdirSync(input, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !SKIPPED_DIRS.has(e.name) && isProjectDirectory(join(input, e.name)))
        .map((e) => join(input, e.name))
        .sort();
      if (stacks.length > 0) return stacks;
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
  const rel = relative(process.cwd(), input);
  return (rel.startsWith("..") || isAbsolute(rel) ? resolve(input) : rel || ".").split(sep).join("/");
}
