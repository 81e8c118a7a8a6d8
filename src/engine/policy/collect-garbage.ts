import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, for when a large object graph (a parsed plan, its text) has just become
 * garbage and the thread is about to wait on an evaluation: V8 collects only as it allocates, so an idle
 * thread keeps its garbage resident through the evaluation's memory peak. Node exposes gc() only under
 * --expose-gc; set at run time, the flag applies to the contexts created after it.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    try {
      gc = runInNewContext("gc") as () => void;
    } catch {
      gc = null; // a Node that ignores the flag: memory is only higher
    }
  }
  gc?.();
}
