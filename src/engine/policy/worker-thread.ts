// The body of a PolicyPool thread (worker-pool.ts): one wasm instance of the bundle, evaluating the inputs it
// is sent one after another. Runs in a worker thread so that the main thread can stop it at a deadline.
import { parentPort, workerData } from "node:worker_threads";
import { instantiate, type Policy } from "./bundle";
import type { EvaluateRequest, EvaluateResponse, WorkerSetup } from "./worker-pool";

const setup = workerData as WorkerSetup;

// Instantiated as the thread starts, while the caller is still reading the plan; an error is the
// answer to every request.
let policy: Policy | string;
try {
  policy = instantiate({ wasm: setup.module, data: setup.data }, setup.parameters, setup.options);
} catch (err) {
  policy = err instanceof Error ? err.message : String(err);
}

parentPort?.on("message", (request: EvaluateRequest) => {
  let response: EvaluateResponse;
  try {
    if (typeof policy === "string") throw new Error(policy);
    // The input was moved here for this evaluation alone: released once in wasm memory.
    response = { id: request.id, output: policy.report(request.input, { release: true, access: request.access }) };
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(response);
});
