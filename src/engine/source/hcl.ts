import { setFlagsFromString } from "node:v8";

// @cdktn/hcl2json (hashicorp/hcl built to wasm; CDK Terrain's maintained fork of @cdktf/hcl2json, which
// was deprecated with CDKTF) starts its Go wasm runtime as soon as it is loaded (about a tenth of a
// second of CPU): loaded on first use, so runs that read no Terraform source never pay for it.
type Hcl2Json = typeof import("@cdktn/hcl2json");

/** The parser package: what it makes of a file is cached under its name and version (ParseCache). */
export const PARSER = "@cdktn/hcl2json";

/** "@cdktn/hcl2json@0.24.0": another parser, or another version of it, may make another JSON of a file. */
export function parserId(): string {
  return `${PARSER}@${(require(`${PARSER}/package.json`) as { version: string }).version}`;
}

let loaded: Hcl2Json | undefined;
let readers = 0;
let baselineOnly = false;
// Flags given to node by hand are the user's to keep.
const userTiering = process.execArgv.some((arg) => /liftoff|wasm-tier-up|wasm-dynamic-tiering/.test(arg));

/**
 * V8 moves hot WebAssembly functions up to its optimizing compiler. The parser's Go runtime has
 * functions so large that optimizing them costs more than all the parsing of a project's source: for a
 * 34-resource stack, 1.1 s of CPU against 0.2 s on the baseline compiler (Liftoff) alone. The flags are
 * the whole process's and are read as the code runs, so they hold only while source is read: the policy
 * evaluation after it is optimized as usual.
 */
function setBaselineOnly(on: boolean): void {
  if (on === baselineOnly || userTiering) return;
  baselineOnly = on;
  // --liftoff-only also turns tier-up off; turning it back on restores node's defaults.
  setFlagsFromString(on ? "--liftoff-only" : "--no-liftoff-only");
  if (!on) {
    setFlagsFromString("--wasm-tier-up");
    setFlagsFromString("--wasm-dynamic-tiering");
  }
}

export const hcl2json = (): Hcl2Json => {
  setBaselineOnly(true);
  loaded ??= require(PARSER) as Hcl2Json;
  return loaded;
};

/** Runs a reading of Terraform source: WebAssembly stays on the baseline compiler until every reading ends. */
export async function readingSource<T>(read: () => Promise<T>): Promise<T> {
  readers++;
  try {
    return await read();
  } finally {
    if (--readers === 0) setBaselineOnly(false);
  }
}
