// A plan judged in shards (src/engine/input/shards.ts) gets exactly the report of the plan judged whole:
// on every fixture plan with every component in a shard of its own, and on a generated mixed stack,
// whose report is one unit's findings once per unit. And every resource type a policy names is
// classified as plan-wide or linked, so that a rule reading a new type cannot be sharded blindly.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadBundle,
  parsePlan,
  PolicyPool,
  preparePlan,
  validatePlan,
  validatePlanInWorker,
  type Finding,
  type Plan,
} from "../../src/engine";
import { LINKED_TYPES, PLAN_WIDE_TYPES, shardPlan } from "../../src/engine/input/shards";
import { fixturePlans } from "../fuzz/mutate";
import { ROOT } from "../helpers/paths";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require("../../bench/generate-plan") as {
  generate(resources: number, seedPath?: string): string;
  unitSize(seed: Plan): number;
  replicate(text: string, unit: number): string;
};

const bundle = loadBundle();
const WHOLE = Number.MAX_SAFE_INTEGER;
const comparable = (findings: readonly Finding[]) => findings.map((f) => JSON.stringify(f)).sort();

describe("every fixture plan", () => {
  const plans = fixturePlans();

  // One evaluation per side with the access map, which asks for both: the findings, and the map (a table's
  // rows come from the policies linked to it, every-table rows from their policy's shard, so the merged
  // map is the whole plan's). That the map changes nothing else is shown on the mixed stack below.
  test.each([...plans.keys()])("%s: the same report and access map in the smallest shards as whole", (name) => {
    const text = plans.get(name) as string;
    // A plan refused whole (a malformed waiver tag) is refused the same way in shards.
    const outcome = (shardResources: number) => {
      try {
        return validatePlan(preparePlan(parsePlan(text, name), undefined, { shardResources }), {
          bundle,
          access: true,
        });
      } catch (err) {
        return { refused: (err as Error).message };
      }
    };
    expect(outcome(1)).toEqual(outcome(WHOLE));
  });

  test("many of them are split, so the shard boundaries are exercised", () => {
    const split = [...plans].filter(([name, text]) => shardPlan(parsePlan(text, name), { maxResources: 1 }));
    expect(split.length).toBeGreaterThan(plans.size / 3);
  });
});

describe("a mixed stack of 50 service units and the account's trail", () => {
  const seedPath = join(ROOT, "bench", "seed", "mixed", "plan.json");
  const seed = parsePlan(readFileSync(seedPath, "utf8"), "seed");
  const units = 1000 / generator.unitSize(seed);
  const plan = () => parsePlan(generator.generate(1000, seedPath), "generated");
  const prepared = preparePlan(plan(), undefined, { shardResources: 100 });
  const sharded = validatePlan(prepared, { bundle });

  test("is split into shards of at most 100 resources besides the plan-wide ones", () => {
    expect(prepared.inputs.length).toBeGreaterThanOrEqual(units / 5);
  });

  test("spread over threads: as many shards as a multiple of the threads, and the same report", () => {
    for (const shardThreads of [1, 3, 4]) {
      const spread = preparePlan(plan(), undefined, { shardResources: 100, shardThreads });
      expect(spread.inputs.length % shardThreads).toBe(0);
      expect(validatePlan(spread, { bundle })).toEqual(sharded);
    }
  });

  test("reports one unit's findings once per unit, renamed, and the root module's once", () => {
    const one = validatePlan(seed, { bundle }).violations;
    const unit = comparable(one.filter((f) => f.address.startsWith("module.unit_00001.")));
    const root = comparable(one.filter((f) => !f.address.startsWith("module.")));
    expect(unit.length).toBeGreaterThan(5);
    const expected = [...root];
    for (let i = 1; i <= units; i++) for (const f of unit) expected.push(generator.replicate(f, i));
    expect(comparable(sharded.violations)).toEqual(expected.sort());
    expect(sharded.summary.violations).toBe(units * unit.length + root.length);
  });

  test("gives the report of the plan judged whole", () => {
    const whole = validatePlan(preparePlan(plan(), undefined, { shardResources: WHOLE }), { bundle });
    expect(sharded).toEqual(whole);
  });

  test("gives the access map of the plan judged whole, and none when not asked for", () => {
    const withAccess = validatePlan(preparePlan(plan(), undefined, { shardResources: 100 }), { bundle, access: true });
    const whole = validatePlan(preparePlan(plan(), undefined, { shardResources: WHOLE }), { bundle, access: true });
    expect(withAccess.access?.tables.length).toBeGreaterThanOrEqual(units);
    expect(withAccess.access).toEqual(whole.access);
    expect(sharded.access).toBeUndefined();
    expect({ ...withAccess, access: undefined }).toEqual(sharded);
  });

  test("gives the same report from two worker threads, and fails whole past the time limit", async () => {
    const pool = new PolicyPool(bundle, {}, { jobs: 2 });
    try {
      const inWorkers = await validatePlanInWorker(preparePlan(plan(), undefined, { shardResources: 100 }), {
        bundle,
        pool,
      });
      expect(inWorkers).toEqual(sharded);
      await expect(
        validatePlanInWorker(preparePlan(plan(), undefined, { shardResources: 100 }), {
          bundle,
          pool,
          timeoutSeconds: 0.001,
        }),
      ).rejects.toThrow(/did not finish within 0\.001 s \(--timeout\); the plan was not judged/);
    } finally {
      await pool.close();
    }
  });
});

describe("the resource types the policies name", () => {
  const regoFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? regoFiles(join(dir, e.name))
        : e.name.endsWith(".rego") && !e.name.endsWith("_test.rego")
          ? [join(dir, e.name)]
          : [],
    );
  const named = new Set(
    regoFiles(join(ROOT, "policies")).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => !line.trimStart().startsWith("#"))
        .flatMap((line) => [...line.matchAll(/"((?:aws|awscc)_[a-z0-9_]+)"/g)].map((m) => m[1])),
    ),
  );
  // Not resource types: prefixes matched against every DynamoDB or IAM type, a key kind.
  const notTypes = new Set(["aws_dynamodb_", "aws_iam_", "aws_managed"]);

  test.each([...named].filter((t) => !notTypes.has(t)).sort())("%s is plan-wide or linked", (type) => {
    expect(PLAN_WIDE_TYPES.has(type) || LINKED_TYPES.has(type)).toBe(true);
  });

  test("no type is both", () => {
    expect([...PLAN_WIDE_TYPES].filter((t) => LINKED_TYPES.has(t))).toEqual([]);
  });
});
