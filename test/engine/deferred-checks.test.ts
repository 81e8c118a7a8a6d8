// readPlanDeferringChecks: a large plan's checks wait for its evaluation, which makes them while its
// threads evaluate. Every refusal is still the one readPlan gives, and nothing is reported before it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GuardrailsError,
  loadBundle,
  planChecks,
  preparePlan,
  readPlan,
  readPlanDeferringChecks,
  validatePlan,
  validatePlanInWorker,
} from "../../src/engine";
import * as inputs from "../../src/engine/input/policy-input";
import { PolicyPool } from "../../src/engine/policy/worker-pool";
import { ROOT, runCli } from "../helpers/paths";
import { scratchFolders } from "../helpers/scratch";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require("../../bench/generate-plan") as { generate(resources: number, seedPath?: string): string };

const bundle = loadBundle();
const scratch = scratchFolders("ddb-guardrails-deferred-");
// 3,000 resources of the mixed stack: about 5 MB, past the size from which checks are deferred.
const text = generator.generate(3000, join(ROOT, "bench", "seed", "mixed", "plan.json"));

function planFile(name: string, edit: (plan: Record<string, any>) => void = () => undefined): string {
  const plan = JSON.parse(text);
  edit(plan);
  const file = join(scratch.root, `${name}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

const refusals: Record<string, (plan: Record<string, any>) => void> = {
  "a value of the wrong type": (plan) => {
    plan.resource_changes.find((rc: { type: string }) => rc.type === "aws_dynamodb_table").change.after.billing_mode =
      5;
  },
  "a change that is not an object": (plan) => {
    plan.resource_changes[5].change = "x";
  },
  "a resource left out of resource_changes": (plan) => {
    plan.resource_changes.pop();
  },
  "a module call's configuration that is not an object": (plan) => {
    const calls = plan.configuration.root_module.module_calls;
    calls[Object.keys(calls)[0]].module = "x";
  },
};

describe("a large plan whose checks are deferred", () => {
  const good = planFile("good");

  test("is checked by its evaluation, which reports what the plan read at once reports", async () => {
    const plan = readPlanDeferringChecks(good);
    expect(planChecks(plan)).toBeDefined();
    const deferred = await validatePlanInWorker(plan, { bundle });
    expect(deferred).toEqual(validatePlan(readPlan(good), { bundle }));
    expect(deferred.summary.resources).toBeGreaterThan(2900);
  }, 120_000);

  test("hands each shard to a thread as soon as its input is built", async () => {
    const events: string[] = [];
    const policyInput = inputs.policyInput;
    const build = jest.spyOn(inputs, "policyInput").mockImplementation((...args) => {
      events.push("build");
      return policyInput(...args);
    });
    const pool = new PolicyPool(bundle, {}, { jobs: 2 });
    const evaluate = pool.evaluate.bind(pool);
    pool.evaluate = (...args) => {
      events.push("evaluate");
      return evaluate(...args);
    };
    try {
      const prepared = preparePlan(readPlanDeferringChecks(good), undefined, { shardResources: 1000 });
      expect(events).toEqual([]);
      const report = await validatePlanInWorker(prepared, { bundle, pool });
      expect(prepared.inputs.length).toBeGreaterThan(2);
      expect(events).toEqual(prepared.inputs.flatMap(() => ["build", "evaluate"]));
      expect(report).toEqual(validatePlan(readPlan(good), { bundle }));
    } finally {
      build.mockRestore();
      await pool.close();
    }
  }, 120_000);

  test.each(Object.keys(refusals))(
    "with %s: refused by its evaluation with readPlan's own error",
    async (name) => {
      const file = planFile(name.replace(/\W+/g, "-"), refusals[name]);
      const expected = (() => {
        try {
          readPlan(file);
        } catch (err) {
          return err as Error;
        }
        throw new Error("readPlan accepted the plan");
      })();
      expect(expected).toBeInstanceOf(GuardrailsError);
      const plan = readPlanDeferringChecks(file);
      expect(planChecks(plan)).toBeDefined();
      await expect(validatePlanInWorker(plan, { bundle })).rejects.toThrow(expected.message);
      expect(() => validatePlan(plan, { bundle })).toThrow(expected.message);
    },
    120_000,
  );

  test.each(Object.keys(refusals))(
    "with %s: the CLI exits 2 with readPlan's one line",
    (name) => {
      const file = planFile(`cli-${name.replace(/\W+/g, "-")}`, refusals[name]);
      const run = runCli(["validate", file, "-f", "json"]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(() => readPlan(file)).toThrow(run.stderr.trim().replace(/^ddb-guardrails: error: /, ""));
    },
    60_000,
  );
  test("among several plans, the CLI exits 2 with readPlan's one line for the refused one", () => {
    const file = planFile("among-several", refusals["a value of the wrong type"]);
    const fixture = join(ROOT, "test", "fixtures", "table-unencrypted", "plan.json");
    for (const inputs of [
      [fixture, file],
      [file, fixture],
    ]) {
      const run = runCli(["validate", ...inputs, "-f", "json"]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      const [line, ...rest] = run.stderr.trim().split("\n");
      expect(rest).toEqual([]);
      expect(() => readPlan(file)).toThrow(line.replace(/^ddb-guardrails: error: /, ""));
      expect(line).toMatch(new RegExp(`^ddb-guardrails: error: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    }
  }, 60_000);
});

test("a plan under the size from which checks are deferred is checked as it is read", () => {
  const small = generator.generate(100, join(ROOT, "bench", "seed", "mixed", "plan.json"));
  const file = join(scratch.root, "small.json");
  writeFileSync(file, small);
  expect(planChecks(readPlanDeferringChecks(file))).toBeUndefined();
  const bad = JSON.parse(small);
  bad.resource_changes[0].change = "x";
  writeFileSync(file, JSON.stringify(bad));
  expect(() => readPlanDeferringChecks(file)).toThrow(GuardrailsError);
});
