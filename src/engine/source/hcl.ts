// @cdktn/hcl2json (hashicorp/hcl built to wasm; CDK Terrain's maintained fork of @cdktf/hcl2json, which
// was deprecated with CDKTF) runs in a thread of its own (hcl-thread.ts): starting its Go runtime and
// parsing take about a fifth of a second of CPU, which that thread spends while the main thread loads the
// plan. It starts on first use, so runs that read no Terraform source never pay for it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../package-root";

import type { TFExpressionSyntaxTree } from "@cdktn/hcl2json";

/** The two calls of @cdktn/hcl2json the source model makes, answered by the parser's thread. */
export interface HclParser {
  parse(file: string, text: string): Promise<Record<string, unknown>>;
  getExpressionAst(file: string, text: string): Promise<TFExpressionSyntaxTree.ExpressionType | null>;
}

export interface HclRequest {
  readonly id: number;
  readonly method: keyof HclParser;
  readonly file: string;
  readonly text: string;
}

/** A call, or the word that the thread may compile the parser (the flags it needs are set). */
export type HclMessage = HclRequest | { readonly start: true };

export type HclResponse =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

/** The parser package: what it makes of a file is cached under its name and version (ParseCache). */
export const PARSER = "@cdktn/hcl2json";

/** "@cdktn/hcl2json@0.24.0": another parser, or another version of it, may make another JSON of a file. */
export function parserId(): string {
  return `${PARSER}@${(require(`${PARSER}/package.json`) as { version: string }).version}`;
}

let thread: Worker | undefined;
/** Whether the thread was told to compile the parser (hcl2json). */
let compiling = false;
let nextId = 0;
const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
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

function threadScript(): string {
  const beside = join(__dirname, "hcl-thread.js");
  return existsSync(beside) ? beside : join(packageRoot(), "dist", "src", "engine", "source", "hcl-thread.js");
}

function parserThread(): Worker {
  if (thread) return thread;
  const started = new Worker(threadScript());
  const fail = (err: Error) => {
    if (thread === started) thread = undefined;
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
  };
  started
    .on("message", (response: HclResponse) => {
      const call = pending.get(response.id);
      pending.delete(response.id);
      if (pending.size === 0) started.unref();
      if ("error" in response) call?.reject(new Error(response.error));
      else call?.resolve(response.result);
    })
    .on("error", (err) => fail(new Error(`the HCL parser stopped: ${err.message.split("\n")[0]}`)))
    .on("exit", (code) => fail(new Error(`the HCL parser stopped (exit code ${code})`)));
  // After the listeners, which ref it again: an idle parser does not keep the process alive.
  started.unref();
  thread = started;
  compiling = false;
  return started;
}

function call<T>(method: keyof HclParser, file: string, text: string): Promise<T> {
  const worker = parserThread();
  const id = ++nextId;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    worker.ref(); // keep the process alive while a parse is under way
    worker.postMessage({ id, method, file, text } satisfies HclRequest);
  });
}

const parser: HclParser = {
  parse: (file, text) => call("parse", file, text),
  getExpressionAst: (file, text) => call("getExpressionAst", file, text),
};

/** The parser. Its thread starts if it has not (startHclParser), and compiles and starts the Go runtime. */
export const hcl2json = (): HclParser => {
  setBaselineOnly(true);
  if (!compiling) {
    compiling = true;
    parserThread().postMessage({ start: true } satisfies HclMessage);
  }
  return parser;
};

/**
 * Starts the parser's thread, which reads its wasm and waits for hcl2json() to compile it: the flags that
 * keep V8 to its baseline compiler are set only then, once the CLI has compiled the policy module under
 * the usual ones (set before it, they cost the run about 0.1 s more at exit).
 */
export function startHclParser(): void {
  parserThread();
}

/** Runs a reading of Terraform source: WebAssembly stays on the baseline compiler until every reading ends. */
export async function readingSource<T>(read: () => Promise<T>): Promise<T> {
  readers++;
  try {
    return await read();
  } finally {
    if (--readers === 0) setBaselineOnly(false);
  }
}
