// A smaller sample of plan mutations through the real CLI process: the exit code is always 0, 1 or 2,
// never a crash code or a signal (bounded by a per-run timeout), and a refusal is one line without a stack.
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { apply, fixturePlans, mutation, SEED } from "./mutate";
import { CLI } from "../helpers/paths";

const RUNS = Number(process.env.DDB_FUZZ_CLI_RUNS ?? 60);
const plans = fixturePlans();
const counts: Record<string, number> = {};
afterAll(() => console.log(`CLI mutations (seed ${SEED}): ${RUNS} runs, exit codes ${JSON.stringify(counts)}`));

test("the CLI exits 0, 1 or 2 on mutated plans, with a one-line error and no stack trace on 2", () => {
  fc.assert(
    fc.property(mutation([...plans.keys()]), (m) => {
      const applied = apply(plans, m);
      const run = spawnSync(process.execPath, [CLI, "validate", "-", "--format", "json"], {
        input: applied.text,
        encoding: "utf8",
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const where = applied.log.join(" | ");
      counts[String(run.status ?? run.signal)] = (counts[String(run.status ?? run.signal)] ?? 0) + 1;
      if (run.signal !== null || ![0, 1, 2].includes(run.status ?? -1))
        throw new Error(`exit ${run.status ?? run.signal}: ${where}\n${run.stderr.slice(0, 500)}`);
      if (run.stderr.match(/\n\s+at /)) throw new Error(`stack trace: ${where}\n${run.stderr.slice(0, 500)}`);
      if (run.status === 2 && (run.stdout !== "" || run.stderr.trim().split("\n").length !== 1))
        throw new Error(`not one line: ${where}\n${run.stderr.slice(0, 500)}`);
      if (run.status !== 2) JSON.parse(run.stdout); // a report, complete
    }),
    { seed: SEED + 2, numRuns: RUNS },
  );
});
