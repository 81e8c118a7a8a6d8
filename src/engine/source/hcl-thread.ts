// The body of the HCL parser's thread (hcl.ts): @cdktn/hcl2json's Go runtime, answering one parse per
// message. Its wasm is started here as the package's bridge (build/bridge.js) starts it, without the
// bridge module itself, whose fs-extra costs this thread about 40 ms before the runtime can start.
// The wasm is read as the thread starts but compiled only once the main thread says so (its first
// message): by then the main thread has kept V8 to its baseline compiler (hcl.ts), which the Go runtime needs.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parentPort } from "node:worker_threads";
import { gunzipSync } from "node:zlib";
import type { HclMessage, HclRequest, HclResponse } from "./hcl";

type GoCall = (file: string, text: string, done: (err: string | null, json: string) => void) => void;

const root = dirname(require.resolve("@cdktn/hcl2json/package.json"));
require(join(root, "wasm", "bridge_wasm_exec.js")); // defines globalThis.Go
const go = new (
  globalThis as unknown as { Go: new () => { importObject: WebAssembly.Imports; run(i: unknown): Promise<void> } }
).Go();
// The Go program puts its functions (parse, getExpressionAst) on this object as it starts.
const functions: Record<string, GoCall> = {};
const wasm = unzipped() ?? gunzipSync(readFileSync(join(root, "main.wasm.gz")));

/** The copy npm run build unzipped for this version of the package (scripts/build/hcl-wasm.js), if any. */
function unzipped(): Buffer | undefined {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  try {
    return readFileSync(join(__dirname, `hcl2json-${version}.wasm`));
  } catch {
    return undefined;
  }
}

let started: Promise<void> | undefined;
function start(): Promise<void> {
  started ??= WebAssembly.instantiate(wasm as BufferSource, go.importObject).then(({ instance }) => {
    (globalThis as Record<string, unknown>).__parse_terraform_config_wasm__ = functions;
    void go.run(instance);
  });
  return started;
}

function run(request: HclRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = functions[request.method];
    if (typeof call !== "function") throw new Error(`the HCL parser has no function ${request.method}`);
    call(request.file, request.text, (err, json) => (err ? reject(new Error(err)) : resolve(JSON.parse(json))));
  });
}

parentPort?.on("message", (message: HclMessage) => {
  if ("start" in message) return void start();
  const request = message;
  start()
    .then(() => run(request))
    .then(
      (result) => parentPort?.postMessage({ id: request.id, result } satisfies HclResponse),
      (err: unknown) =>
        parentPort?.postMessage({
          id: request.id,
          error: err instanceof Error ? err.message : String(err),
        } satisfies HclResponse),
    );
});
