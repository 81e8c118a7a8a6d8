import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { GuardrailsError } from "../errors";

const CHUNK = 1 << 20;

/**
 * Reads a file, a device or stdin ("-") to its end, but never more than maxBytes: one byte past the
 * limit and it stops with an error, so /dev/zero or an endless pipe cost at most the limit in memory.
 */
export function readBounded(source: string, maxBytes: number): Buffer {
  const name = source === "-" ? "stdin" : source;
  const fd = source === "-" ? 0 : openSync(source, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    // A regular file is read into one buffer of its size and a byte more (to see that it did not grow).
    const stat = fd === 0 ? undefined : fstatSync(fd);
    if (stat?.isFile() && stat.size <= maxBytes) {
      const whole = Buffer.allocUnsafe(stat.size + 1);
      let n: number;
      do {
        n = readChunk(fd, whole.subarray(total));
        total += n;
      } while (n > 0 && total <= stat.size);
      if (total <= stat.size) return whole.subarray(0, total);
      chunks.push(whole); // it grew while read: on in chunks, under the limit
    }
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      const n = readChunk(fd, chunk);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes)
        throw new GuardrailsError(`${name}: plan is larger than the limit of ${maxBytes} bytes (--max-bytes)`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

function readChunk(fd: number, chunk: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EOF") return 0; // stdin closed (Windows)
      if (code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // non-blocking stdin: wait for data
    }
  }
}
