import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync, constants } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Writes a report file without following what is at its path: the text goes to a new temporary file
 * beside it (O_EXCL, O_NOFOLLOW), which is then renamed over the path. A symlink at the path is
 * replaced by the report; the file it pointed to is left untouched.
 */
export function writeOutputFile(file: string, text: string): void {
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
