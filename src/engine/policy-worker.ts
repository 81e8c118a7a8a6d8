// The body of a PolicyWorker (worker.ts): one wasm instance of the bundle, evaluating the inputs it is
// sent one after another. Runs in a worker thread so that the main thread can stop it at a deadline.
import { parentPort, workerData } from "node:worker_threads";
import { instantiate, type PolicyBundle } from "./bundle";
import type { EvaluateRequest, EvaluateResponse, WorkerSetup } from "./worker";

const setup = workerData as WorkerSetup;
let policy: ReturnType<typeof instantiate> | undefined;

parentPort?.on("message", (request: EvaluateRequest) => {
  let response: EvaluateResponse;
  try {
    // Created on the first request, so that an error in it is that request's answer.
    policy ??= instantiate(
      { wasm: Buffer.from(setup.wasm), data: setup.data } as unknown as PolicyBundle,
      setup.parameters,
      setup.options,
    );
    response = { id: request.id, output: policy.evaluate(request.input, request.entrypoint) };
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(response);
});
