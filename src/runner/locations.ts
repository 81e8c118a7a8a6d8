import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  blockHeader,
  displayPath,
  isConfigFile,
  ModuleDirs,
  type ModuleCall,
  moduleCallNames,
  type Plan,
  withoutInstanceKey,
} from "../engine";

/** Where a resource is written: a Terraform file and line, and/or a CDKTF construct path. */
export interface SourceLocation {
  /** Path relative to the working directory (forward slashes), or absolute when outside it. */
  readonly file?: string;
  readonly line?: number;
  readonly constructPath?: string;
}

export type Locations = ReadonlyMap<string, SourceLocation>;

/**
 * The `resource "<type>" "<name>"` line of each planned resource, found in the .tf files of its
 * module's directory: the root is rootDir, and each module call's source, as the plan's configuration
 * records it, is found where terraform finds it (ModuleDirs).
 */
export function hclLocations(plan: Plan, rootDir: string, cwd = process.cwd()): Map<string, SourceLocation> {
  const locations = new Map<string, SourceLocation>();
  const root = plan.configuration?.root_module;
  const moduleDirs = ModuleDirs.of(rootDir);
  const filesByDir = new Map<string, Array<{ file: string; lines: string[] }>>();
  const tfFiles = (dir: string) => {
    if (!filesByDir.has(dir)) {
      let names: string[] = [];
      try {
        names = readdirSync(dir)
          .filter((n) => n.endsWith(".tf") && isConfigFile(n))
          .sort();
      } catch {
        // a module directory that is not on this machine: no location, the finding still stands
      }
      filesByDir.set(
        dir,
        names.map((n) => ({ file: join(dir, n), lines: readFileSync(join(dir, n), "utf8").split("\n") })),
      );
    }
    return filesByDir.get(dir)!;
  };
  // Configuration is per module, not per instance: its directory is found once per module address.
  const dirs = new Map<string, string | undefined>();
  const dirOf = (moduleAddress: string): string | undefined => {
    const names = moduleCallNames(moduleAddress);
    let dir: string | undefined = rootDir;
    let calls = root?.module_calls;
    for (let i = 0; i < names.length && dir; i++) {
      const call: ModuleCall | undefined = calls?.[names[i]];
      dir = moduleDirs.dirOf(dir, call?.source ?? "", names.slice(0, i + 1));
      calls = call?.module?.module_calls;
    }
    return dir;
  };
  const blocks = new Map<string, SourceLocation | undefined>();
  for (const c of plan.resource_changes ?? []) {
    if (c.mode !== "managed") continue;
    const moduleAddress = c.module_address ?? "";
    if (!dirs.has(moduleAddress)) dirs.set(moduleAddress, dirOf(moduleAddress));
    const dir = dirs.get(moduleAddress);
    if (!dir) continue;
    // Found once per block: the instances of a module (and of count/for_each) share it.
    const key = `${dir}\u0000${c.type}\u0000${c.name}`;
    if (!blocks.has(key)) blocks.set(key, blockLocation(tfFiles(dir), c.type, c.name, cwd));
    const found = blocks.get(key);
    if (found) locations.set(c.address, found);
  }
  return locations;
}

function blockLocation(
  files: ReadonlyArray<{ file: string; lines: string[] }>,
  type: string,
  name: string,
  cwd: string,
): SourceLocation | undefined {
  if (files.length === 0) return undefined;
  const pattern = blockHeader("resource", type, name);
  for (const { file, lines } of files) {
    const at = lines.findIndex((l) => pattern.test(l));
    if (at !== -1) return { file: displayPath(file, cwd), line: at + 1 };
  }
  return undefined;
}

/**
 * Construct paths from a synthesized CDKTF stack (cdk.tf.json carries `//`.metadata.path per
 * resource). When the app's entry file is known, the location is the line of that file that
 * creates the top-level construct (its id as a string literal), so code scanning can point at it.
 */
export function cdktfLocations(
  stackJsonFile: string,
  entryFile?: string,
  cwd = process.cwd(),
): Map<string, SourceLocation> {
  const locations = new Map<string, SourceLocation>();
  let stack: { resource?: Record<string, Record<string, { "//"?: { metadata?: { path?: string } } }>> };
  try {
    stack = JSON.parse(readFileSync(stackJsonFile, "utf8"));
  } catch {
    return locations;
  }
  const entryLines = entryFile && existsSync(entryFile) ? readFileSync(entryFile, "utf8").split("\n") : undefined;
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, body] of Object.entries(byName ?? {})) {
      const constructPath = body?.["//"]?.metadata?.path;
      if (!constructPath) continue;
      let location: SourceLocation = { constructPath };
      if (entryLines && entryFile) {
        const ids = constructPath.split("/").slice(1);
        for (const id of ids) {
          const at = entryLines.findIndex(
            (l) => l.includes(`"${id}"`) || l.includes(`'${id}'`) || l.includes(`\`${id}\``),
          );
          if (at !== -1) {
            location = { file: displayPath(entryFile, cwd), line: at + 1, constructPath };
            break;
          }
        }
        if (!location.file) location = { file: displayPath(entryFile, cwd), constructPath };
      }
      locations.set(`${type}.${name}`, location);
    }
  }
  return locations;
}

/** The location of an address; instances (`x.y[0]`, `x.y["k"]`) share their resource block's. */
export function locate(locations: Locations, address: string): SourceLocation | undefined {
  return locations.get(address) ?? locations.get(withoutInstanceKey(address));
}
