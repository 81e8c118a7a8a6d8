import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The folder of this package's package.json, found from wherever the code runs (src/ or dist/src/). */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "ddb-guardrails") {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`ddb-guardrails: package.json not found above ${__dirname}`);
    dir = parent;
  }
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version;
}
