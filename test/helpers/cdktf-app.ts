import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, type TerraformStack, Testing } from "cdktf";

// Testing.app() and Testing.fullSynth() each make a folder under the OS temp dir and leave it there
// (about 45 per run of the construct and stack suites). Here every app of a test file writes under one
// folder, removed when the file is done (jest loads this module once per test file, at its top level).
let root: string | undefined;
let made = 0;
afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

function next(): string {
  root ??= mkdtempSync(join(tmpdir(), "ddb-cdktf-apps-"));
  return join(root, String(++made));
}

/** Testing.app(), its output under this test file's folder. */
export function testApp(): App {
  return Testing.app({ outdir: next() });
}

/** Testing.fullSynth(): the synthesized folder (its manifest's paths are relative), moved under this test file's folder. */
export function fullSynth(stack: TerraformStack): string {
  const kept = next();
  renameSync(Testing.fullSynth(stack), kept);
  return kept;
}
