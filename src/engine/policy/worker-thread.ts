// The body of a PolicyPool thread (worker-pool.ts): one wasm instance of the bundle, evaluating the inputs it
// is sent one after another. Runs in a worker thread so that the main thread can stop it at a deadline.
import { parentPort, workerData } from "node:worker_threads";
import { instantiate, type InstanceOptions, type Policy } from "./bundle";
import { preloadRuntime } from "./opa-runtime";
import { AWAIT_SETUP } from "./prestarted-thread";
import type { EvaluateRequest, EvaluateResponse, SetupMessage, WorkerSetup } from "./worker-pool";

// Instantiated as the thread starts, while the caller is still reading the plan; an error is the
// answer to every request. A thread started ahead of the CLI (prestarted-thread.ts) loads the runtime
// and waits for its setup, the first message.
let policy: Policy | string | undefined;
let current: WorkerSetup | undefined;

function setUp(setup: WorkerSetup): void {
  current = setup;
  try {
    policy = instantiate({ wasm: setup.module, data: setup.data }, setup.parameters, setup.options);
  } catch (err) {
    policy = err instanceof Error ? err.message : String(err);
  }
}

/**
 * A request with other memory options than the instance's (the pool divided a process budget): a new
 * instance with them. The module is compiled already: this takes milliseconds, and the old instance's
 * memory, barely touched before the first evaluation, goes with it.
 */
function withMemory(memory: InstanceOptions | undefined): void {
  if (!memory || !current || JSON.stringify(memory) === JSON.stringify(current.options)) return;
  setUp({ ...current, options: memory });
}

if (workerData === AWAIT_SETUP) preloadRuntime();
else setUp(workerData as WorkerSetup);

parentPort?.on("message", (message: EvaluateRequest | SetupMessage) => {
  if ("setup" in message) {
    setUp(message.setup);
    return;
  }
  const request = message;
  let response: EvaluateResponse;
  try {
    withMemory(request.memory);
    if (policy === undefined) throw new Error("the evaluation thread was given no setup");
    if (typeof policy === "string") throw new Error(policy);
    // The input was moved here for this evaluation alone: released once in wasm memory.
    response = { id: request.id, output: policy.report(request.input, { release: true, access: request.access }) };
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(response);
});
