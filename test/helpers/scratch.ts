import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A suite's scratch folder, and folders with given files (paths may nest) under it. */
export function scratchFolders(prefix: string): {
  readonly root: string;
  folder(name: string, files: Record<string, string>): string;
} {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    folder(name, files) {
      const dir = join(root, name);
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(dir, file, ".."), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      return dir;
    },
  };
}
