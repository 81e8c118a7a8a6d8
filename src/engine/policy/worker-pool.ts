import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  checkMemoryLimit,
  compiledModule,
  DEFAULT_MAX_MEMORY_MIB,
  MIN_MEMORY_MIB,
  raiseOrSplit,
  type InstanceOptions,
  type PolicyBundle,
} from "./bundle";
import { GuardrailsError } from "../errors";
import { takePrestartedThread, workerScript } from "./prestarted-thread";

/** What a worker needs to instantiate the bundle (already verified by loadBundle in the caller). */
export interface WorkerSetup {
  /** policy.wasm compiled once by the pool: every thread instantiates this module, none compiles it. */
  readonly module: WebAssembly.Module;
  readonly data: Record<string, unknown>;
  readonly parameters: Record<string, unknown>;
  readonly options: InstanceOptions;
}

/** The first message to a thread started without its setup (AWAIT_SETUP). */
export interface SetupMessage {
  readonly setup: WorkerSetup;
}

export interface EvaluateRequest {
  readonly id: number;
  readonly input: ArrayBuffer;
  /** Evaluate the access map too. */
  readonly access?: boolean;
  /** The wasm ceiling for this evaluation, when it differs from the setup's: the thread instantiates anew. */
  readonly memory?: InstanceOptions;
}

export type EvaluateResponse =
  | { readonly id: number; readonly output: unknown }
  | { readonly id: number; readonly error: string };

export interface EvaluationLimits {
  /** Wall-clock limit of one evaluation, in milliseconds: past it the worker is stopped. */
  readonly timeoutMs: number;
  /**
   * Date.now() by which the evaluation must end, when it is one of several sharing the limit (a plan's
   * shards): it then has only what is left of timeoutMs once a thread takes it.
   */
  readonly deadline?: number;
}

export interface PoolOptions extends InstanceOptions {
  /**
   * Most worker threads evaluating at once; they share maxMemoryMiB, each with an equal part of it.
   * @default os.availableParallelism()
   */
  readonly jobs?: number;
  /**
   * The most memory the whole process may hold, in MiB (the CLI's --max-memory). When the pool's first
   * evaluation begins, the threads' wasm ceilings are cut to what the process leaves of it then (the
   * plan read, the threads started), and the evaluation is refused when that is too little.
   * @default none: only maxMemoryMiB bounds the threads
   */
  readonly processMemoryMiB?: number;
}

/**
 * Less wasm memory than this per thread cannot hold the bundle's data and a small plan's evaluation: a
 * process budget leaving less is refused before evaluating rather than failing inside it.
 */
export const LEAST_EVALUATION_MIB = 32;

/**
 * What a worker thread holds besides its wasm memory (its isolate, the engine's modules): counted for
 * each thread not yet started when the process budget is divided. Measured after a small plan's
 * evaluation: 24 MiB for a pool's first thread, 15-17 for its second.
 */
export const THREAD_BASELINE_MIB = 24;

/**
 * What reading a pull request's plan adds to the process, at most (the mixed seed's 26 resources with
 * their Terraform source: about 40 MiB): the threads' first ceiling leaves it out.
 */
const READING_ALLOWANCE_MIB = 64;

/** Resident memory of the whole process, in MiB. */
export function residentMiB(): number {
  return Math.ceil(process.memoryUsage.rss() / (1024 * 1024));
}

export const DEFAULT_TIMEOUT_SECONDS = 120;

/**
 * The bundle in worker threads: up to `jobs` evaluations at once, each under its own wall-clock limit.
 * An evaluation that never ends (or a policy that loops) cannot stall the caller: at the deadline its
 * thread alone is terminated and that evaluation fails; the others go on, and the next one given to
 * that slot starts a fresh thread. Threads start when first needed.
 */
export class PolicyPool {
  private readonly threads: PolicyThread[];
  private readonly ceilingMiB: number;
  private readonly processMiB?: number;
  /** The threads' wasm memory under processMemoryMiB, decided when the first evaluation begins. */
  private divided?: { readonly memory?: InstanceOptions };
  private readonly idle: PolicyThread[];
  private readonly waiting: ((thread: PolicyThread) => void)[] = [];
  /** The thread an evaluation alone runs in, with the whole memory limit (evaluate's `alone`). */
  private readonly whole: PolicyThread;
  /** Evaluations alone take every thread in turn: one at a time, or two would each hold half. */
  private aloneQueue: Promise<unknown> = Promise.resolve();

  constructor(bundle: PolicyBundle, parameters: Record<string, unknown>, options: PoolOptions = {}) {
    const totalMiB = options.maxMemoryMiB ?? DEFAULT_MAX_MEMORY_MIB;
    checkMemoryLimit(totalMiB); // refused here, before any thread starts
    const jobs = options.jobs ?? availableParallelism();
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new GuardrailsError(`jobs must be a positive whole number, got ${jobs}`);
    // The limit holds for the pool, not for each thread: n threads never hold n times --max-memory.
    const share = Math.floor(totalMiB / jobs);
    if (share < MIN_MEMORY_MIB)
      throw new GuardrailsError(
        `memory limit ${totalMiB} MiB leaves less than ${MIN_MEMORY_MIB} MiB to each of ${jobs} evaluation threads (--max-memory, --jobs)`,
      );
    if (options.processMemoryMiB !== undefined) checkMemoryLimit(options.processMemoryMiB);
    this.processMiB = options.processMemoryMiB;
    this.ceilingMiB = totalMiB;
    const setup: WorkerSetup = {
      module: compiledModule(bundle.wasm),
      data: bundle.data,
      parameters,
      options: { maxMemoryMiB: this.firstGuess(share, jobs), sharedMemory: { totalMiB, threads: jobs } },
    };
    this.threads = Array.from({ length: jobs }, () => new PolicyThread(setup));
    this.idle = [...this.threads].reverse(); // the first thread is used first
    this.whole = new PolicyThread({ ...setup, options: { maxMemoryMiB: totalMiB } }); // starts when first used
  }

  /** Starts up to n threads now (they instantiate the bundle while the caller reads its plans). */
  start(n: number = this.threads.length): void {
    for (const thread of this.threads.slice(0, n)) thread.start();
  }

  /** Worker threads running now (started and not stopped). */
  get running(): number {
    return this.threads.filter((t) => t.running).length;
  }

  /**
   * The policy's report for one input (policyInput(plan)); the buffer is moved to the worker, not copied.
   * `alone`: the input cannot be split (a plan judged whole) and is large, so it gets the whole memory
   * limit rather than one thread's share: it waits for every thread, stops them (their wasm memory is
   * freed) and runs in a thread of its own, so the process still holds the limit once.
   */
  async evaluate(input: ArrayBuffer, limits: EvaluationLimits, access = false, alone = false): Promise<unknown> {
    if (alone && this.threads.length > 1) return this.evaluateAlone(input, limits, access);
    // Decided once, on what the process holds with its first plan read: later evaluations reuse the
    // threads' memory (the heap is reset between them), which the process then already counts.
    this.divided ??= { memory: this.renewed(this.threads.length) };
    // An idle thread is taken at once (no await before it): the caller's next input is built while
    // this one is under way.
    const thread = this.idle.pop() ?? (await this.acquire());
    try {
      return await thread.evaluate(input, limits, access, this.divided.memory);
    } finally {
      this.release(thread);
    }
  }

  /**
   * The threads' first ceiling, before any plan is read: under processMemoryMiB, what the process leaves
   * now less READING_ALLOWANCE_MIB, so that a pull request's plan finds the threads' instances within
   * its part (renewed) and nothing is instantiated again on its way.
   */
  private firstGuess(share: number, jobs: number): number {
    if (this.processMiB === undefined) return share;
    const left = this.processMiB - residentMiB() - jobs * THREAD_BASELINE_MIB - READING_ALLOWANCE_MIB;
    return Math.max(MIN_MEMORY_MIB, Math.min(share, Math.floor(left / jobs)));
  }

  /**
   * The threads' memory options once the first plan is read (divide), or undefined when their
   * instances may stay: their ceiling is within their part and at most READING_ALLOWANCE_MIB under it.
   */
  private renewed(threads: number): InstanceOptions | undefined {
    const part = this.divide(
      threads,
      Math.floor(this.ceilingMiB / threads),
      this.threads.filter((t) => !t.running).length,
    );
    const first = this.threads[0].ceilingMiB;
    if (!part?.maxMemoryMiB || (first <= part.maxMemoryMiB && part.maxMemoryMiB - first <= READING_ALLOWANCE_MIB))
      return undefined;
    return part;
  }

  /**
   * Under processMemoryMiB: each of `threads` evaluation threads gets an equal part of what the process
   * does not hold now, counting the `starting` threads not started yet (up to `most` MiB each); refused
   * when that is too little to evaluate anything. Without it: undefined (the setup's ceilings).
   */
  private divide(threads: number, most: number, starting: number): InstanceOptions | undefined {
    if (this.processMiB === undefined) return undefined;
    const heldMiB = residentMiB() + starting * THREAD_BASELINE_MIB;
    const each = Math.min(most, Math.floor((this.processMiB - heldMiB) / threads));
    if (each < LEAST_EVALUATION_MIB)
      throw new GuardrailsError(
        `policy evaluation refused: the memory limit of ${this.processMiB} MiB (--max-memory) leaves ${Math.max(0, this.processMiB - heldMiB)} MiB to evaluate in, after the ${heldMiB} MiB the process and its evaluation threads take with the plan read; ` +
          `${threads} evaluation thread${threads > 1 ? "s need" : " needs"} at least ${threads * LEAST_EVALUATION_MIB} MiB (${raiseOrSplit(this.processMiB, threads)})`,
      );
    return { maxMemoryMiB: each, sharedMemory: { totalMiB: this.processMiB, threads, heldMiB } };
  }

  private evaluateAlone(input: ArrayBuffer, limits: EvaluationLimits, access: boolean): Promise<unknown> {
    const run = this.aloneQueue.then(async () => {
      const held: PolicyThread[] = [];
      try {
        for (let i = 0; i < this.threads.length; i++) held.push(await this.acquire());
        await Promise.all(held.map((t) => t.close()));
        return await this.whole.evaluate(input, limits, access, this.divide(1, this.ceilingMiB, 1));
      } finally {
        await this.whole.close();
        for (const thread of held) this.release(thread);
      }
    });
    this.aloneQueue = run.catch(() => undefined);
    return run;
  }

  private async acquire(): Promise<PolicyThread> {
    return this.idle.pop() ?? (await new Promise<PolicyThread>((resolve) => this.waiting.push(resolve)));
  }

  private release(thread: PolicyThread): void {
    const next = this.waiting.shift();
    if (next) next(thread);
    else this.idle.push(thread);
  }

  /** Stops every worker thread (a later evaluate starts new ones). */
  async close(): Promise<void> {
    await Promise.all([...this.threads, this.whole].map((t) => t.close()));
  }
}

/** One worker thread evaluating one input at a time. */
class PolicyThread {
  private worker?: Worker;
  private next = 0;

  constructor(private readonly setup: WorkerSetup) {}

  /** The wasm ceiling its instance is set up with. */
  get ceilingMiB(): number {
    return this.setup.options.maxMemoryMiB ?? DEFAULT_MAX_MEMORY_MIB;
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  start(): void {
    this.thread();
  }

  private thread(): Worker {
    if (!this.worker) {
      // The thread started ahead of the CLI (prestarted-thread.ts), if any, is told its setup now.
      const ahead = takePrestartedThread();
      ahead?.postMessage({ setup: this.setup } satisfies SetupMessage);
      const worker = ahead ?? new Worker(workerScript(), { workerData: this.setup });
      worker.unref(); // an idle worker does not keep the process alive
      // A thread that ends between evaluations (started ahead, or crashed while idle) would leave the next
      // request unanswered until its deadline: it is forgotten, and the next evaluation starts a new one.
      worker.once("exit", () => {
        if (this.worker === worker) this.worker = undefined;
      });
      this.worker = worker;
    }
    return this.worker;
  }

  evaluate(input: ArrayBuffer, limits: EvaluationLimits, access: boolean, memory?: InstanceOptions): Promise<unknown> {
    const worker = this.thread();
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        settle();
      };
      const onMessage = (response: EvaluateResponse) => {
        if (response.id !== id) return;
        finish(() => ("error" in response ? reject(new GuardrailsError(response.error)) : resolve(response.output)));
      };
      const onError = (err: Error) => {
        this.worker = undefined;
        finish(() => reject(new GuardrailsError(`policy evaluation failed: ${err.message.split("\n")[0]}`)));
      };
      const onExit = (code: number) => {
        this.worker = undefined;
        finish(() =>
          reject(new GuardrailsError(`policy evaluation failed: the evaluation thread stopped (exit code ${code})`)),
        );
      };
      const timer = setTimeout(() => {
        this.worker = undefined;
        finish(() =>
          reject(
            new GuardrailsError(
              `policy evaluation did not finish within ${seconds(limits.timeoutMs)} s (--timeout); the plan was not judged`,
            ),
          ),
        );
        void worker.terminate();
      }, remaining(limits));
      worker.ref(); // keep the process alive while an evaluation is under way
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage({ id, input, access, memory } satisfies EvaluateRequest, [input]);
    }).finally(() => this.worker?.unref());
  }
}

function remaining(limits: EvaluationLimits): number {
  return limits.deadline === undefined ? limits.timeoutMs : Math.max(1, limits.deadline - Date.now());
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
