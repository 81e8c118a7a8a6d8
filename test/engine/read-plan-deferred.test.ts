// A plan judged alone is prepared, and its evaluation started, before its checks run (readPlanDeferred,
// prepareDeferred): the same plan, and for every plan the engine refuses the same one-line error as
// parsePlan, never a report.
import { readFileSync } from "node:fs";
import {
  loadBundle,
  parsePlan,
  parsePlanDeferred,
  PolicyPool,
  prepareDeferred,
  validatePlan,
  validatePlanInWorker,
} from "../../src/engine";
import { DEFERRED_CHECK_MAX_CHARS } from "../../src/engine/plan/read-plan";
import { readBounded } from "../../src/engine/plan/read-bounded";
import { scanJson } from "../../src/engine/plan/strict-json";
import { fixturePlan } from "../helpers/paths";
import { badPlans, text, violating } from "../reliability/bad-plans";

const bundle = loadBundle();

function syncError(json: string): string {
  try {
    parsePlan(json, "plan.json");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("parsePlan accepted the plan");
}

/** The error of reading, preparing and evaluating a plan with its checks deferred. */
async function deferredError(json: string, pool: PolicyPool): Promise<string> {
  try {
    const prepared = prepareDeferred(parsePlanDeferred(json, "plan.json"));
    await validatePlanInWorker(prepared, { bundle, pool });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the deferred plan was evaluated into a report");
}

describe("a plan read with its checks deferred", () => {
  let pool: PolicyPool;
  beforeAll(() => {
    pool = new PolicyPool(bundle, {}, { jobs: 1 });
  });
  afterAll(() => pool.close());

  test("is the plan parsePlan reads, judged the same", async () => {
    const json = readFileSync(fixturePlan("table-unencrypted"), "utf8");
    const read = parsePlanDeferred(json, "plan.json");
    expect(read.check()).toBe(read.plan);
    expect(read.plan).toEqual(parsePlan(json, "plan.json"));
    const deferred = await validatePlanInWorker(prepareDeferred(parsePlanDeferred(json, "plan.json")), {
      bundle,
      pool,
    });
    expect(deferred.violations).toEqual(validatePlan(parsePlan(json, "plan.json"), { bundle }).violations);
  });

  test.each(badPlans.map((bad) => [bad.input, bad] as const))(
    "is refused with parsePlan's error, whatever its evaluation gave: %s",
    async (_input, bad) => {
      const json = bad.plan();
      expect(await deferredError(json, pool)).toBe(syncError(json));
    },
  );

  test("too deep a plan: the depth error", async () => {
    const plan = violating();
    plan.padding = "__DEEP__";
    const json = text(plan).replace('"__DEEP__"', "[".repeat(200_000) + "]".repeat(200_000));
    expect(await deferredError(json, pool)).toMatch(/nesting depth 200001 exceeds the limit of 100/);
  });

  test("a key twice that JSON.parse settles: the plan is evaluated, and refused when its checks run", async () => {
    const json = text(violating()).replace('"format_version":', '"format_version":"1.2","format_version":');
    const read = parsePlanDeferred(json, "plan.json");
    expect(read.plan).toBeDefined();
    expect(await deferredError(json, pool)).toMatch(/key "format_version" appears twice in the object at \(root\)/);
  });

  test("a duplicate key comes before a shape error, as in parsePlan", async () => {
    const json = text(violating())
      .replace('"format_version":', '"format_version":"1.2","format_version":')
      .replace('"resource_changes":[', '"resource_changes":[7,');
    expect(syncError(json)).toMatch(/key "format_version" appears twice/);
    expect(await deferredError(json, pool)).toBe(syncError(json));
  });

  test("validatePlan runs the deferred checks before evaluating", () => {
    const json = text(violating()).replace('"format_version":', '"format_version":"1.2","format_version":');
    expect(() => validatePlan(prepareDeferred(parsePlanDeferred(json, "plan.json")), { bundle })).toThrow(
      /appears twice/,
    );
  });

  test("a plan larger than DEFERRED_CHECK_MAX_CHARS is checked at once", () => {
    const json = text(violating()).replace('"format_version":', '"format_version":"1.2","format_version":');
    expect(() => parsePlanDeferred(json + " ".repeat(DEFERRED_CHECK_MAX_CHARS), "plan.json")).toThrow(/appears twice/);
  });
});

describe("scanJson", () => {
  test("an object of many keys: a duplicate past the first few is found", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(scanJson(`{${keys.join(",")}}`).duplicate).toBeUndefined();
    expect(scanJson(`{${keys.join(",")},"k30":1}`).duplicate).toEqual({ key: "k30", path: "(root)" });
    expect(scanJson(`{"a":{"k3":1,"k3":2}}`).duplicate).toEqual({ key: "k3", path: ".a" });
  });
});

describe("readBounded", () => {
  test("a file that reports no size (procfs) is read to its end in chunks", () => {
    expect(readBounded("/proc/self/cmdline", 1 << 20)).toEqual(readFileSync("/proc/self/cmdline"));
  });
});
