import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { checkMemoryLimit, ENTRYPOINT, type InstanceOptions, type PolicyBundle } from "./bundle";
import { GuardrailsError } from "./errors";
import { packageRoot } from "./package-root";

/** What a worker needs to instantiate the bundle (already verified by loadBundle in the caller). */
export interface WorkerSetup {
  readonly wasm: Uint8Array;
  readonly data: Record<string, unknown>;
  readonly parameters: Record<string, unknown>;
  readonly options: InstanceOptions;
}

export interface EvaluateRequest {
  readonly id: number;
  readonly input: ArrayBuffer;
  readonly entrypoint: string;
}

export type EvaluateResponse =
  | { readonly id: number; readonly output: unknown }
  | { readonly id: number; readonly error: string };

export interface EvaluationLimits {
  /** Wall-clock limit of one evaluation, in milliseconds: past it the worker is stopped. */
  readonly timeoutMs: number;
}

export const DEFAULT_TIMEOUT_SECONDS = 120;

/** The compiled worker body; under ts-jest (src/ has no .js) the one built in dist/. */
function workerScript(): string {
  const beside = join(__dirname, "policy-worker.js");
  return existsSync(beside) ? beside : join(packageRoot(), "dist", "src", "engine", "policy-worker.js");
}

/**
 * The bundle in a worker thread: evaluations run one at a time, each under a wall-clock limit. A plan
 * whose evaluation never ends (or a policy that loops) cannot stall the caller: at the deadline the
 * worker is terminated and the evaluation fails; the next one starts a fresh worker.
 */
export class PolicyWorker {
  private worker?: Worker;
  private next = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly setup: WorkerSetup;

  constructor(bundle: PolicyBundle, parameters: Record<string, unknown>, options: InstanceOptions = {}) {
    checkMemoryLimit(options.maxMemoryMiB); // refused here, before any thread starts
    this.setup = { wasm: bundle.wasm, data: bundle.data, parameters, options: { maxMemoryMiB: options.maxMemoryMiB } };
  }

  /** The policy's output for one input (policyInput(plan)); the buffer is moved to the worker, not copied. */
  evaluate(input: ArrayBuffer, limits: EvaluationLimits, entrypoint: string = ENTRYPOINT): Promise<unknown> {
    const run = this.queue.then(() => this.send(input, limits, entrypoint));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the worker thread (a later evaluate starts a new one). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private thread(): Worker {
    if (!this.worker) {
      this.worker = new Worker(workerScript(), { workerData: this.setup });
      this.worker.unref(); // an idle worker does not keep the process alive
    }
    return this.worker;
  }

  private send(input: ArrayBuffer, limits: EvaluationLimits, entrypoint: string): Promise<unknown> {
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
      }, limits.timeoutMs);
      worker.ref(); // keep the process alive while an evaluation is under way
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage({ id, input, entrypoint } satisfies EvaluateRequest, [input]);
    }).finally(() => this.worker?.unref());
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/** One evaluation in a worker of its own, stopped after limits.timeoutMs. */
export async function evaluateInWorker(
  input: ArrayBuffer,
  setup: { bundle: PolicyBundle; parameters: Record<string, unknown>; options?: InstanceOptions },
  limits: EvaluationLimits,
): Promise<unknown> {
  const worker = new PolicyWorker(setup.bundle, setup.parameters, setup.options);
  try {
    return await worker.evaluate(input, limits);
  } finally {
    await worker.close();
  }
}
