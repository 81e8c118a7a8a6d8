import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Terraform's local module sources (addrs.moduleSourceLocalPrefixes; the backslash forms are Windows'). */
const LOCAL_PREFIXES = ["./", "../", ".\\", "..\\"];

/** Whether a module `source` is a local path, read from the calling module's directory. */
export function isLocalSource(source: string): boolean {
  return LOCAL_PREFIXES.some((prefix) => source.startsWith(prefix));
}

/**
 * Where the module calls of a configuration are on disk, as terraform finds them: a local path from
 * the directory of the calling module; a registry, git or any other remote source where `terraform
 * init` installed it, by .terraform/modules/modules.json of the root module's directory ("a.b" for
 * module "b" called in module "a"; its Dir relative to the root module, a git `//subdir` included).
 */
export class ModuleDirs {
  private constructor(private readonly installed: ReadonlyMap<string, string>) {}

  /**
   * The module directories of the configuration rooted at `rootDir`. Without init, or with a manifest
   * that cannot be read, only local sources resolve: remote modules stay unresolved, never guessed.
   */
  static of(rootDir: string): ModuleDirs {
    const installed = new Map<string, string>();
    try {
      const manifest = JSON.parse(readFileSync(join(rootDir, ".terraform", "modules", "modules.json"), "utf8")) as {
        Modules?: unknown;
      };
      for (const entry of Array.isArray(manifest.Modules) ? manifest.Modules : []) {
        const { Key: key, Dir: dir } = (entry ?? {}) as { Key?: unknown; Dir?: unknown };
        if (typeof key === "string" && key && typeof dir === "string" && dir) installed.set(key, resolve(rootDir, dir));
      }
    } catch {
      // No manifest (init did not run here) or an unreadable one: as without init.
    }
    return new ModuleDirs(installed);
  }

  /**
   * The directory of a module call: `source` as written in the module at `callerDir`, `callNames`
   * the names of the calls from the root to it ("a", "b" for module.a.module.b). Undefined when
   * terraform init has not installed it.
   */
  dirOf(callerDir: string, source: string, callNames: readonly string[]): string | undefined {
    // Terraform reads a backslash in a local path as a slash on every platform.
    if (isLocalSource(source)) return resolve(callerDir, source.replaceAll("\\", "/"));
    return this.installed.get(callNames.join("."));
  }
}
