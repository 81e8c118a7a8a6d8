// An evaluation thread started before the CLI has loaded, parsed its arguments and read its config: the
// thread's own start (node, the engine's modules, opa-wasm) overlaps all that, and it instantiates the
// bundle when the first PolicyPool thread takes it over and sends it its setup (worker-thread.ts).
// No heavy imports here: it is loaded before the rest of the CLI.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../package-root";

/** workerData of a thread that waits for its WorkerSetup as its first message. */
export const AWAIT_SETUP = "await-setup";

let prestarted: Worker | undefined;

/** Starts one evaluation thread ahead (at most one); it does not keep the process alive. */
export function prestartPolicyThread(script = workerScript()): void {
  if (prestarted) return;
  const worker = new Worker(script, { workerData: AWAIT_SETUP });
  worker.unref();
  // A thread that failed or ended before it was taken is dropped: the pool then starts its own.
  const drop = () => {
    if (prestarted === worker) prestarted = undefined;
  };
  worker.once("error", drop).once("exit", drop);
  prestarted = worker;
}

/** The thread started ahead, for the caller to send its setup to; undefined when there is none. */
export function takePrestartedThread(): Worker | undefined {
  const worker = prestarted;
  prestarted = undefined;
  worker?.removeAllListeners("error").removeAllListeners("exit");
  return worker;
}

/** The compiled thread body; under ts-jest (src/ has no .js) the one built in dist/. */
export function workerScript(): string {
  const beside = join(__dirname, "worker-thread.js");
  return existsSync(beside) ? beside : join(packageRoot(), "dist", "src", "engine", "policy", "worker-thread.js");
}
