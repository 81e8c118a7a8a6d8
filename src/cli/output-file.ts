import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
  constants,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Writes a report file without following what is at its path: the text goes to a new temporary file
 * beside it (O_EXCL, O_NOFOLLOW), which is then renamed over the path. A symlink at the path is
 * replaced by the report; the file it pointed to is left untouched.
 *
 * Two kinds of path are written in place instead, as the shell's `>` would, because renaming over them
 * would put a regular file where they were (as root, in /dev itself): a descriptor of this process
 * (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N) and a character device, pipe or socket
 * (/dev/null, a FIFO). Any other kind of file (a directory, a block device) is refused.
 */
export function writeOutputFile(file: string, text: string): void {
  const descriptor = descriptorOf(file);
  if (descriptor !== undefined) {
    writeAll(descriptor, text);
    return;
  }
  const found = lstatSync(file, { throwIfNoEntry: false });
  if (found && (found.isCharacterDevice() || found.isFIFO() || found.isSocket())) {
    const fd = openSync(file, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      writeAll(fd, text);
    } finally {
      closeSync(fd);
    }
    return;
  }
  if (found && !found.isFile() && !found.isSymbolicLink()) throw new Error("not a regular file");
  makeParents(dirname(resolve(file)));
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    writeSync(fd, text);
    closeSync(fd);
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/** The descriptor a /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N path names. */
function descriptorOf(file: string): number | undefined {
  const path = resolve(file);
  if (path === "/dev/stdout") return 1;
  if (path === "/dev/stderr") return 2;
  const numbered = /^\/(?:dev\/fd|proc\/self\/fd|proc\/thread-self\/fd)\/(\d+)$/.exec(path);
  return numbered ? Number(numbered[1]) : undefined;
}

/** Every byte, waiting out EAGAIN: a pipe node left non-blocking takes what fits and refuses the rest. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/**
 * mkdir -p one level at a time from the deepest folder that exists, so that a parent that cannot
 * hold folders (/proc/self/...) fails at once; mkdirSync's recursive mode loops forever there.
 */
function makeParents(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing) mkdirSync(folder);
}
