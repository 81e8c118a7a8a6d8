import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../engine";

/**
 * Link to a rule's section of docs/rules.md at this version's tag, from package.json `repository` (GitHub).
 * Undefined when the package names neither: no link is better than a made-up one.
 */
export function rulesDocUrl(ruleId: string): string | undefined {
  const base = docsBase();
  return base ? `${base}#${ruleId.toLowerCase()}` : undefined;
}

let cached: string | null | undefined;
function docsBase(): string | undefined {
  if (cached === undefined) {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8"));
    const repo: string | undefined =
      typeof manifest.repository === "string" ? manifest.repository : manifest.repository?.url;
    const github = repo
      ?.replace(/^git\+/, "")
      .replace(/\.git$/, "")
      .match(/^https:\/\/github\.com\/[^/]+\/[^/]+$/)?.[0];
    cached = github ? `${github}/blob/v${manifest.version}/docs/rules.md` : null;
  }
  return cached ?? undefined;
}
