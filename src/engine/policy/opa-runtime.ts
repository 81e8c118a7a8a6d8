// Everything that depends on how @open-policy-agent/opa-wasm and OPA's wasm runtime work inside: loading a
// policy, the sprintf replacement in its builtins table, its signed heap addresses, and evaluating several
// entrypoints on one parsed input through the wasm exports. opa-wasm is pinned; an upgrade is checked here
// and by test/reliability/wasm-parity.test.ts (the bundle against native OPA).
import { dirname, join } from "node:path";
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { collectGarbage } from "./collect-garbage";
import { GuardrailsError } from "../errors";
import { goSprintf } from "./sprintf";

export type { LoadedPolicy };

export const WASM_PAGE = 64 * 1024;

/**
 * The most wasm memory an evaluation may use: 2 GiB. opa-wasm's JavaScript side reads the heap
 * addresses policy.wasm returns as signed 32-bit numbers, so a block past 2 GiB comes back as a
 * negative offset ("offset is out of bounds", measured on a 252 MB plan with a 3072 MiB ceiling) instead
 * of the out-of-memory error; at 4096 MiB the runtime's heap end wraps to 0. Within 2 GiB neither
 * happens, and a plan that needs more is refused as out of memory.
 */
export const MAX_MEMORY_MIB = 2048;

/**
 * The compiled policy, its memory reserved up front (`pages` wasm pages, initial and maximum), with Rego's
 * sprintf formatting as OPA does. Throws when `entrypoints` names one the wasm does not export: a bundle
 * built from other policies is refused at load, not mid-evaluation.
 */
export function loadPolicy(
  wasm: Buffer | WebAssembly.Module,
  pages: number,
  entrypoints: readonly string[],
): LoadedPolicy {
  const { loadPolicySync } = preloadRuntime();
  const policy = loadPolicySync(wasm, { initial: pages, maximum: pages });
  const missing = entrypoints.filter((name) => policy.entrypoints[name] === undefined);
  if (missing.length > 0)
    throw new GuardrailsError(
      `policy bundle has no entrypoint ${missing.join(", ")} (it exports ${Object.keys(policy.entrypoints).sort().join(", ")})`,
    );
  return policy;
}

/**
 * opa-wasm, with Rego's sprintf in its builtins table. Loaded by the thread that evaluates: with its
 * builtins (yaml among them) it is about a fifth of the CLI's start-up, which the main thread, handing
 * plans to workers, does not need.
 */
export function preloadRuntime(): typeof import("@open-policy-agent/opa-wasm") {
  installGoSprintf();
  return require("@open-policy-agent/opa-wasm") as typeof import("@open-policy-agent/opa-wasm");
}

/**
 * opa-wasm looks its JS builtins up in its own shared table before any custom builtin, so its sprintf
 * (sprintf-js: throws on null, prints objects as "[object Object]") can only be replaced there. Done
 * before a policy is loaded, never at import.
 */
function installGoSprintf(): void {
  const builtins = require(
    join(dirname(require.resolve("@open-policy-agent/opa-wasm")), "builtins", "index.js"),
  ) as Record<string, unknown>;
  builtins.sprintf = goSprintf;
}

interface OpaExports {
  opa_malloc(size: number): number;
  opa_free(addr: number): void;
  opa_json_parse(addr: number, length: number): number;
  opa_json_dump(addr: number): number;
  opa_heap_ptr_get(): number;
  opa_heap_ptr_set(addr: number): void;
  opa_eval_ctx_new(): number;
  opa_eval_ctx_set_input(ctx: number, addr: number): void;
  opa_eval_ctx_set_data(ctx: number, addr: number): void;
  opa_eval_ctx_set_entrypoint(ctx: number, entrypoint: number): void;
  opa_eval_ctx_get_result(ctx: number): number;
  eval(ctx: number): number;
}

const highWater = new WeakMap<LoadedPolicy, number>();

/** The highest heap address evaluateParsedOnce saw this instance reach (0 before any evaluation). */
export function heapHighWater(policy: LoadedPolicy): number {
  return highWater.get(policy) ?? 0;
}

/** struct heap_block { size_t size; heap_block *prev, *next; } before each block of OPA's wasm malloc. */
const HEAP_BLOCK_HEADER = 12;

/**
 * Each entrypoint's result set, evaluated one after another on the input (JSON text) parsed once: OPA's
 * wasm runtime frees almost nothing during an evaluation, so between entrypoints the heap is reset to just
 * past the parsed input. The heap's high-water mark is the larger evaluation, not their sum
 * (docs/benchmarks.md). `release`: the caller gives the input up, and once copied into wasm memory it is
 * detached (and, from `collectFrom` bytes, collected).
 */
export function evaluateParsedOnce(
  policy: LoadedPolicy,
  input: ArrayBuffer,
  entrypoints: readonly string[],
  release: { readonly collectFrom: number } | undefined,
): unknown[] {
  const wasm = (policy.wasmInstance as WebAssembly.Instance).exports as unknown as OpaExports;
  wasm.opa_heap_ptr_set(policy.dataHeapPtr);
  const length = input.byteLength;
  const text = wasm.opa_malloc(length);
  new Uint8Array(policy.mem.buffer).set(new Uint8Array(input), text);
  if (release) {
    // Its bytes now live in wasm memory: moved to a clone nobody holds, freed by the next collection.
    structuredClone(input, { transfer: [input] });
    if (length >= release.collectFrom) collectGarbage();
  }
  const parsed = wasm.opa_json_parse(text, length);
  if (parsed === 0) throw new GuardrailsError("the policy input is not valid JSON");
  const afterInput = wasm.opa_heap_ptr_get();
  // The parsed values copy every string and number, so the text's block is handed back to the allocator
  // before each evaluation (the reset forgets free blocks; one may have split it). Only when its header
  // reads as expected: a runtime of another layout just keeps the text.
  const header = () => new DataView(policy.mem.buffer, text - HEAP_BLOCK_HEADER, 4);
  const reusable = header().getUint32(0, true) === length;
  return entrypoints.map((entrypoint) => {
    wasm.opa_heap_ptr_set(afterInput);
    if (reusable) {
      header().setUint32(0, length, true);
      wasm.opa_free(text);
    }
    const ctx = wasm.opa_eval_ctx_new();
    wasm.opa_eval_ctx_set_input(ctx, parsed);
    wasm.opa_eval_ctx_set_data(ctx, policy.dataAddr);
    wasm.opa_eval_ctx_set_entrypoint(ctx, policy.entrypoints[entrypoint]);
    if (wasm.eval(ctx) !== 0) throw new GuardrailsError(`policy evaluation of ${entrypoint} failed`);
    const output = dumpJson(policy.mem, wasm.opa_json_dump(wasm.opa_eval_ctx_get_result(ctx)));
    highWater.set(policy, Math.max(heapHighWater(policy), wasm.opa_heap_ptr_get()));
    return output;
  });
}

/** The NUL-terminated JSON text opa_json_dump wrote at addr, parsed. */
function dumpJson(memory: WebAssembly.Memory, addr: number): unknown {
  const bytes = new Uint8Array(memory.buffer);
  const end = bytes.indexOf(0, addr);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end)));
}
