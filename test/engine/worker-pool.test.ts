// The engine's worker threads (PolicyPool): several plans evaluated at once, each under its own
// deadline, from one compiled bundle.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadBundle,
  parsePlan,
  PolicyPool,
  preparePlan,
  validatePlan,
  validatePlanInWorker,
  type Report,
} from "../../src/engine";
import { memoryAdvice, type PreparedPlan } from "../../src/engine/evaluate";
import { prestartPolicyThread, takePrestartedThread } from "../../src/engine/policy/prestarted-thread";
import { MAX_MEMORY_MIB } from "../../src/engine/policy/bundle";
import { collectGarbage } from "../../src/engine/policy/collect-garbage";
import { LEAST_EVALUATION_MIB, residentMiB, THREAD_BASELINE_MIB } from "../../src/engine/policy/worker-pool";
import { fixturePlan } from "../helpers/paths";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require("../../bench/generate-plan") as {
  generate(resources: number, seedPath?: string): string;
};

const bundle = loadBundle();
const plan = (name: string) => parsePlan(readFileSync(fixturePlan(name), "utf8"), name);
const NAMES = ["table-unencrypted", "endpoint-missing", "enc-key-rotation"];
/** A fixture plan with `mib` MiB of padding, which no rule reads but the evaluation holds. */
const padded = (mib: number) => Object.assign(plan("table-unencrypted"), { padding: "x".repeat(mib * 1024 * 1024) });
const findings = (report: Report) => report.violations.map((f) => `${f.rule} ${f.address}`);
/** The memory limit the padded plan below needs (half of it does not hold it). */
const LIMIT = 64;

/** Starts a thread ahead of the pool that runs `body` instead of the evaluation thread; gives what removes its script. */
function prestartThreadBody(body: string): () => void {
  const dir = mkdtempSync(join(tmpdir(), "ddb-prestart-"));
  const script = join(dir, "thread.js");
  writeFileSync(script, `${body}\n`);
  prestartPolicyThread(script);
  return () => rmSync(dir, { recursive: true, force: true });
}

describe("PolicyPool", () => {
  test("evaluates several plans at once, each in a thread of its own, from one compiled module", async () => {
    const Module = WebAssembly.Module;
    let compiled = 0;
    WebAssembly.Module = new Proxy(Module, {
      construct(target, args: [BufferSource]) {
        compiled++;
        return new target(...args);
      },
    });
    let pool: PolicyPool | undefined;
    try {
      pool = new PolicyPool(bundle, {}, { jobs: 3 });
      const reports = await Promise.all(
        NAMES.map((name) => validatePlanInWorker(preparePlan(plan(name)), { bundle, pool })),
      );
      expect(pool.running).toBe(3);
      expect(compiled).toBe(1); // the threads instantiate it, none compiles the bytes
      expect(reports.map(findings)).toEqual(NAMES.map((name) => findings(validatePlan(plan(name), { bundle }))));
      for (const report of reports) expect(report.violations.length).toBeGreaterThan(0);
    } finally {
      WebAssembly.Module = Module;
      await pool?.close();
    }
  });

  test("a thread started ahead of the CLI is taken by the first pool thread, given its setup, and evaluates as any", async () => {
    prestartPolicyThread();
    const pool = new PolicyPool(bundle, {}, { jobs: 2 });
    try {
      const reports = await Promise.all(
        NAMES.map((name) => validatePlanInWorker(preparePlan(plan(name)), { bundle, pool })),
      );
      expect(takePrestartedThread()).toBeUndefined(); // taken, once
      expect(pool.running).toBe(2);
      expect(reports.map(findings)).toEqual(NAMES.map((name) => findings(validatePlan(plan(name), { bundle }))));
    } finally {
      await pool.close();
    }
  });

  test("a thread started ahead that ended before it was taken is dropped: the pool starts its own", async () => {
    const removeScript = prestartThreadBody("process.exit(3);");
    await new Promise((resolve) => setTimeout(resolve, 1000)); // it starts and exits in about 50 ms
    expect(takePrestartedThread()).toBeUndefined();
    removeScript();
    const pool = new PolicyPool(bundle, {}, { jobs: 1 });
    try {
      const report = await validatePlanInWorker(preparePlan(plan(NAMES[0])), { bundle, pool });
      expect(findings(report)).toEqual(findings(validatePlan(plan(NAMES[0]), { bundle })));
    } finally {
      await pool.close();
    }
  });

  test("a thread that ends while idle, after the pool took it, is replaced by the next evaluation", async () => {
    const removeScript = prestartThreadBody(
      'require("node:worker_threads").parentPort.once("message", () => process.exit(3));',
    );
    const pool = new PolicyPool(bundle, {}, { jobs: 1 });
    try {
      pool.start(1); // takes the thread ahead and sends its setup, on which it exits
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(pool.running).toBe(0);
      // Posted to the dead thread, the evaluation would be rejected at this deadline instead.
      const report = await validatePlanInWorker(preparePlan(plan(NAMES[0])), { bundle, pool, timeoutSeconds: 60 });
      expect(findings(report)).toEqual(findings(validatePlan(plan(NAMES[0]), { bundle })));
    } finally {
      await pool.close();
      removeScript();
    }
  });

  test("never runs more threads than jobs: the other plans wait for a free one", async () => {
    const pool = new PolicyPool(bundle, {}, { jobs: 2 });
    try {
      const reports = await Promise.all(
        [...NAMES, ...NAMES].map((name) => validatePlanInWorker(plan(name), { bundle, pool })),
      );
      expect(pool.running).toBe(2);
      expect(reports.map(findings)).toEqual(
        [...NAMES, ...NAMES].map((name) => findings(validatePlan(plan(name), { bundle }))),
      );
    } finally {
      await pool.close();
    }
  });

  test("a plan past its deadline stops its own thread only: the plans evaluated beside it are reported", async () => {
    const pool = new PolicyPool(bundle, {}, { jobs: 3 });
    const large = parsePlan(generator.generate(2000), "generated");
    try {
      const [stuck, ...others] = await Promise.allSettled([
        validatePlanInWorker(large, { bundle, pool, timeoutSeconds: 0.05 }),
        ...NAMES.slice(0, 2).map((name) => validatePlanInWorker(plan(name), { bundle, pool, timeoutSeconds: 120 })),
      ]);
      expect(stuck.status).toBe("rejected");
      expect((stuck as PromiseRejectedResult).reason.message).toMatch(/did not finish within 0\.05 s \(--timeout\)/);
      expect(others.map((o) => o.status)).toEqual(["fulfilled", "fulfilled"]);
      expect(others.map((o) => findings((o as PromiseFulfilledResult<Report>).value))).toEqual(
        NAMES.slice(0, 2).map((name) => findings(validatePlan(plan(name), { bundle }))),
      );
      expect(pool.running).toBe(2); // the stuck thread was terminated, the two others kept
      // The pool goes on evaluating.
      const again = await validatePlanInWorker(plan(NAMES[2]), { bundle, pool });
      expect(findings(again)).toEqual(findings(validatePlan(plan(NAMES[2]), { bundle })));
    } finally {
      await pool.close();
    }
  });

  test("refuses a memory limit out of range and jobs below 1 before any thread starts", () => {
    expect(() => new PolicyPool(bundle, {}, { maxMemoryMiB: 4096 })).toThrow(/--max-memory/);
    expect(() => new PolicyPool(bundle, {}, { jobs: 0 })).toThrow(/jobs must be a positive whole number/);
    expect(() => new PolicyPool(bundle, {}, { maxMemoryMiB: 2, jobs: 2 })).toThrow(/--max-memory, --jobs/);
  });

  test("its threads share the memory limit: what fits in 24 MiB alone does not in two threads sharing 24", async () => {
    const eightMiB = padded(8);
    const run = async (jobs: number) => {
      const pool = new PolicyPool(bundle, {}, { maxMemoryMiB: 24, jobs });
      try {
        return await validatePlanInWorker(preparePlan(eightMiB), { bundle, pool });
      } finally {
        await pool.close();
      }
    };
    expect(findings(await run(1))).toEqual(["DDB-ENC-001 aws_dynamodb_table.invalid_aws_owned_key"]);
    await expect(run(2)).rejects.toThrow(
      /its share of the memory limit of 24 MiB: 12 MiB for each of 2 evaluation threads \(raise --max-memory \(up to 2048\), or lower --jobs, or split the plan\)/,
    );
  });
});

describe("PolicyPool under a process budget (--max-memory)", () => {
  const evaluate = async (processMemoryMiB: (held: number) => number, padding: number, jobs = 2) => {
    // Prepared first, and the plan held to the end (no collection frees it in between), so that what
    // the process holds when the limit is set is what it holds when the pool divides it; divide()
    // counts besides each thread not started yet.
    const plan = padded(padding);
    const prepared = preparePlan(plan);
    collectGarbage(); // as validatePlanInWorker does before a large input's evaluation
    const held = residentMiB() + jobs * THREAD_BASELINE_MIB;
    const pool = new PolicyPool(bundle, {}, { processMemoryMiB: processMemoryMiB(held), jobs });
    try {
      return findings(await validatePlanInWorker(prepared, { bundle, pool }));
    } finally {
      await pool.close();
      expect(plan.padding).toHaveLength(padding * 1024 * 1024);
    }
  };

  test("its threads share what the process does not hold when the first evaluation begins", async () => {
    // 8 MiB of padding fit in 24 MiB of wasm memory (above): 60 MiB each leave room for the process to
    // grow a little between the two measures.
    expect(await evaluate((held) => held + 2 * 60, 8)).toEqual([
      "DDB-ENC-001 aws_dynamodb_table.invalid_aws_owned_key",
    ]);
  });

  test("a large plan judged whole gets all the process leaves, and out of memory says how much that was", async () => {
    // Judged whole (more than 16 MiB of input), in one thread counted at 24 MiB: about 48 MiB left,
    // while its 64 MiB of padding need at least that twice (the input's text and its parsed string).
    const error = await evaluate((held) => held + 24, 64).catch((err: Error) => err.message);
    const said =
      /out of memory: the plan \(or a shard of it\) needs more than (\d+) MiB, what the memory limit of (\d+) MiB \(--max-memory\) leaves after the (\d+) MiB the process and its evaluation threads took with the plan read \(raise --max-memory \(up to 2048\), or split the plan\)$/.exec(
        String(error),
      );
    expect(said).not.toBeNull();
    const [left, limit, held] = said!.slice(1).map(Number);
    expect(left).toBe(limit - held);
    expect(left).toBeGreaterThanOrEqual(LEAST_EVALUATION_MIB);
  });

  test("too little left to evaluate in is refused before any evaluation, with what to change", async () => {
    await expect(evaluate((held) => held - 64, 0)).rejects.toThrow(
      /^policy evaluation refused: the memory limit of \d+ MiB \(--max-memory\) leaves 0 MiB to evaluate in, after the \d+ MiB the process and its evaluation threads take with the plan read; 2 evaluation threads need at least 64 MiB \(raise --max-memory \(up to 2048\), or lower --jobs, or split the plan\)$/,
    );
    await expect(evaluate(() => MAX_MEMORY_MIB * 2, 0, 1)).rejects.toThrow(/out of range/);
  });
});

describe("PolicyPool, a large plan judged whole", () => {
  // padded(17): 17 MiB of padding make the input large (LARGE_INPUT_BYTES); it needs 33 to 40 MiB of wasm heap.
  const alone = async (maxMemoryMiB: number) => {
    const pool = new PolicyPool(bundle, {}, { maxMemoryMiB, jobs: 1 });
    try {
      return findings(await validatePlanInWorker(preparePlan(padded(17)), { bundle, pool }));
    } finally {
      await pool.close();
    }
  };

  test("gets the whole memory limit, not a thread's share: it waits for the others and runs by itself", async () => {
    await expect(alone(LIMIT / 2)).rejects.toThrow(/out of memory/); // a share would not hold it
    expect(await alone(LIMIT)).toEqual(["DDB-ENC-001 aws_dynamodb_table.invalid_aws_owned_key"]);
    const pool = new PolicyPool(bundle, {}, { maxMemoryMiB: LIMIT, jobs: 2 });
    try {
      const [before, large, after] = await Promise.all([
        validatePlanInWorker(plan(NAMES[0]), { bundle, pool }),
        validatePlanInWorker(preparePlan(padded(17)), { bundle, pool }),
        validatePlanInWorker(plan(NAMES[1]), { bundle, pool }),
      ]);
      expect(findings(large)).toEqual(["DDB-ENC-001 aws_dynamodb_table.invalid_aws_owned_key"]);
      expect([findings(before), findings(after)]).toEqual(
        NAMES.slice(0, 2).map((name) => findings(validatePlan(plan(name), { bundle }))),
      );
    } finally {
      await pool.close();
    }
  });

  test("out of memory with the access map asked for names --no-access-map", async () => {
    const pool = new PolicyPool(bundle, {}, { maxMemoryMiB: LIMIT / 2, jobs: 1 });
    try {
      await expect(validatePlanInWorker(preparePlan(padded(17)), { bundle, pool, access: true })).rejects.toThrow(
        /out of memory: .*; the access map \(JSON, Markdown\) was evaluated too, and --no-access-map leaves it out$/,
      );
    } finally {
      await pool.close();
    }
  });
});

describe("out of memory past the most one evaluation can have", () => {
  const message =
    "policy evaluation failed: out of memory: the plan (or a shard of it) needs more than 2048 MiB, the most one evaluation can have";
  const judged = (whole: PreparedPlan["whole"], shards = 1): PreparedPlan => ({
    inputs: Array.from({ length: shards }, () => ({ input: new ArrayBuffer(0) })),
    whole,
    waivers: [],
  });

  test("says what can be done for the way the plan was judged", () => {
    expect(memoryAdvice(message, judged("source"), false)).toMatch(
      /judged whole \(validate - < plan\.json judges the plan alone, in shards\), or split the stack$/,
    );
    expect(memoryAdvice(message, judged("entangled"), false)).toMatch(
      /judged whole \(its resources are linked into one part, or plan-wide ones such as trails are most of it\): split the stack$/,
    );
    expect(memoryAdvice(message, judged(undefined, 3), false)).toBe(`${message}; split the stack`);
    expect(memoryAdvice(message, judged("small"), true)).toBe(
      `${message}; split the stack; the access map (JSON, Markdown) was evaluated too, and --no-access-map leaves it out`,
    );
    expect(memoryAdvice("policy evaluation failed: aborted", judged("source"), true)).toBe(
      "policy evaluation failed: aborted",
    );
  });

  test("a prepared plan records why it is judged whole", () => {
    expect(preparePlan(plan("table-unencrypted")).whole).toBe("small");
    // Every unit of the default bench stack has a trail: plan-wide resources are most of the plan.
    const trails = parsePlan(generator.generate(2000), "generated");
    expect(preparePlan(trails, undefined, { shardResources: 100 }).whole).toBe("entangled");
    const mixed = parsePlan(generator.generate(2000, "bench/seed/mixed/plan.json"), "generated");
    const sharded = preparePlan(mixed, undefined, { shardResources: 100 });
    expect([sharded.whole, sharded.inputs.length > 1]).toEqual([undefined, true]);
  });
});
