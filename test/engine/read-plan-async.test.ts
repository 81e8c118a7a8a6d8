// parsePlanAsync scans a large plan's text in a worker thread while it parses and checks it: the same plan,
// and for every plan the engine refuses the same one-line error, as parsePlan.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePlan, parsePlanAsync, readPlan, readPlanAsync } from "../../src/engine";
import { SCAN_IN_THREAD_CHARS } from "../../src/engine/plan/read-plan";
import { readBounded } from "../../src/engine/plan/read-bounded";
import { scanJson, scanJsonInThread } from "../../src/engine/plan/strict-json";
import { fixturePlan } from "../helpers/paths";
import { badPlans, text, violating } from "../reliability/bad-plans";

/** Trailing whitespace: the same JSON, long enough for the scan to run in a thread. */
const large = (json: string) => json + " ".repeat(SCAN_IN_THREAD_CHARS);

function syncError(json: string): string {
  try {
    parsePlan(json, "plan.json");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("parsePlan accepted the plan");
}

describe("parsePlanAsync", () => {
  test("reads a large plan as parsePlan does", async () => {
    const json = large(readFileSync(fixturePlan("table-unencrypted"), "utf8"));
    expect(await parsePlanAsync(json, "plan.json")).toEqual(parsePlan(json, "plan.json"));
  });

  test.each(badPlans.map((bad) => [bad.input, bad] as const))(
    "refuses a large plan with the error parsePlan gives: %s",
    async (_input, bad) => {
      const json = large(bad.plan());
      await expect(parsePlanAsync(json, "plan.json")).rejects.toThrow(syncError(json));
    },
  );

  test("too deep a plan: the depth error, whatever its checks would have said", async () => {
    const plan = violating();
    plan.padding = "__DEEP__";
    const json = large(text(plan).replace('"__DEEP__"', "[".repeat(200_000) + "]".repeat(200_000)));
    await expect(parsePlanAsync(json, "plan.json")).rejects.toThrow(/nesting depth 200001 exceeds the limit of 100/);
  });

  test("a duplicate key comes before a shape error, as in parsePlan", async () => {
    const json = large(
      text(violating())
        .replace('"format_version":', '"format_version":"1.2","format_version":')
        .replace('"resource_changes":[', '"resource_changes":[7,'),
    );
    expect(syncError(json)).toMatch(/key "format_version" appears twice/);
    await expect(parsePlanAsync(json, "plan.json")).rejects.toThrow(syncError(json));
  });

  test("readPlanAsync reads a file as readPlan does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-read-async-"));
    try {
      const file = join(dir, "plan.json");
      writeFileSync(file, large(readFileSync(fixturePlan("table-unencrypted"), "utf8")));
      expect(await readPlanAsync(file)).toEqual(readPlan(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scanJsonInThread", () => {
  test("gives scanJson's verdict", async () => {
    const json = text(violating()).replace('"format_version":', '"format_version":"1.2","format_version":');
    expect(await scanJsonInThread(json, 100)).toEqual(scanJson(json, 100));
    expect(await scanJsonInThread("[[[]]]")).toEqual({ depth: 3 });
  });

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
