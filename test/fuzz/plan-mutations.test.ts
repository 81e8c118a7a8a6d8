// Random mutations of every real fixture plan, evaluated in-process: the engine returns a report or refuses
// with a GuardrailsError (exit 2), never anything else, within a bounded time; and a mutation never makes a
// finding disappear unless it changed what the plan says about the resources (values, configuration,
// the resource itself), never just its form (types, nesting, duplicates, truncation, extra keys).
import fc from "fast-check";
import { GuardrailsError, loadBundle, parsePlan, validatePlan, type Report } from "../../src/engine";
import { apply, fixturePlans, mutation, SEED, type Applied } from "./mutate";

const RUNS = Number(process.env.DDB_FUZZ_RUNS ?? 350);
const PER_RUN_MS = 10_000;

const bundle = loadBundle();
const plans = fixturePlans();
// Some fixtures are refused whole by design (a malformed waiver tag): their baseline is the refusal.
const baseline = new Map([...plans].map(([name, text]) => [name, evaluate(text)]));
const violating = [...plans.keys()].filter((name) => {
  const outcome = baseline.get(name)!;
  return "report" in outcome && !outcome.report.summary.passed;
});
/** A finding's resource and rule, an -UNPROVABLE finding counting as its rule: both fail the gate. */
const verdicts = (report: Report) =>
  new Set(report.violations.map((f) => `${f.address} ${f.rule.replace(/-UNPROVABLE$/, "")}`));

type Outcome = { report: Report } | { refused: string };
function evaluate(text: string): Outcome {
  try {
    // A smaller wasm memory than the default: reserving 2 GiB per run is the slow part at this scale.
    return { report: validatePlan(parsePlan(text, "plan.json"), { bundle, maxMemoryMiB: 256 }) };
  } catch (err) {
    if (err instanceof GuardrailsError) return { refused: err.message };
    throw err; // anything else is a crash: the property fails with the mutation that caused it
  }
}

/**
 * Changes that alter what the plan says, after which a finding may rightly go: removing a resource change,
 * or dropping/rewriting a value, an unknown marker, a configuration expression, a variable or prior state.
 */
function changesMeaning(applied: Applied): boolean {
  return applied.changed.some(({ kind, path }) => {
    if (path[0] === "resource_changes" && path.length === 2 && kind === "drop") return true;
    if (kind !== "drop" && kind !== "restring") return false;
    const p = path.map(String);
    const inValues = p[0] === "resource_changes" && (p[3] === "after" || p[3] === "after_unknown");
    return inValues || p.includes("expressions") || p[0] === "variables" || p[0] === "prior_state";
  });
}

const stats = { runs: 0, reports: 0, refused: 0, meaningChanged: 0 };
afterAll(() => console.log(`plan mutations (seed ${SEED}): ${JSON.stringify(stats)}`));

test("fixtures include violating plans to mutate", () => {
  expect(violating.length).toBeGreaterThanOrEqual(3);
});

test("a mutated plan gives a report or a one-line refusal, quickly, and never loses a finding to a change of form", () => {
  fc.assert(
    fc.property(mutation([...plans.keys()]), (m) => {
      const applied = apply(plans, m);
      const started = Date.now();
      const outcome = evaluate(applied.text);
      const took = Date.now() - started;
      stats.runs++;
      if (took > PER_RUN_MS) throw new Error(`took ${took} ms: ${applied.log.join(" | ")}`);
      if ("refused" in outcome) {
        stats.refused++;
        if (outcome.refused.includes("\n")) throw new Error(`multi-line refusal: ${applied.log.join(" | ")}`);
        return;
      }
      stats.reports++;
      const base = baseline.get(m.fixture)!;
      if ("refused" in base) {
        if (changesMeaning(applied)) return void stats.meaningChanged++;
        throw new Error(`a refused plan was evaluated after: ${applied.log.join(" | ")}`);
      }
      const before = verdicts(base.report);
      const after = verdicts(outcome.report);
      const lost = [...before].filter((v) => !after.has(v));
      if (lost.length === 0) return;
      if (changesMeaning(applied)) {
        stats.meaningChanged++;
        return;
      }
      throw new Error(`finding lost (${lost.join(", ")}) after: ${applied.log.join(" | ")}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test("no mutation of a violating plan passes unless it changed what the plan says", () => {
  fc.assert(
    fc.property(mutation(violating), (m) => {
      const applied = apply(plans, m);
      const outcome = evaluate(applied.text);
      stats.runs++;
      if ("report" in outcome && outcome.report.summary.passed && !changesMeaning(applied)) {
        throw new Error(`violating plan passed after: ${applied.log.join(" | ")}`);
      }
    }),
    { seed: SEED + 1, numRuns: RUNS },
  );
});
