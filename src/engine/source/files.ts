import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { hcl2json } from "./hcl";

/** One parsed .tf file: hcl2json's JSON form (expressions as "${...}" strings) and its lines. */
export interface SourceFile {
  readonly path: string;
  readonly body: Record<string, any>;
  readonly lines: readonly string[];
}

/** A module directory of the configuration, by module path ("" for the root, "module.a.module.b"). */
export interface SourceModule {
  readonly path: string;
  readonly dir: string;
  readonly files: readonly SourceFile[];
}

/** Module paths whose source could not be read, and why (they stay unresolved). */
export type SourceGaps = Map<string, string>;

const LOCAL_SOURCE = /^\.\.?(\/|$)/;

/** The root module and every module it calls, through local paths and .terraform/modules/modules.json. */
export async function readSourceModules(rootDir: string, gaps: SourceGaps = new Map()): Promise<SourceModule[]> {
  const installed = installedModules(rootDir);
  const modules: SourceModule[] = [];
  const visit = async (path: string, dir: string, keyPath: string[]): Promise<void> => {
    const files = await parseDirectory(dir);
    modules.push({ path, dir, files });
    for (const [name, source] of moduleCalls(files)) {
      const childKey = [...keyPath, name];
      const childPath = path ? `${path}.module.${name}` : `module.${name}`;
      const childDir = LOCAL_SOURCE.test(source) ? resolve(dir, source) : installed.get(childKey.join("."));
      if (!childDir || !existsSync(childDir)) {
        gaps.set(childPath, `source ${source} is not on disk (run terraform init)`);
        continue;
      }
      await visit(childPath, childDir, childKey);
    }
  };
  await visit("", resolve(rootDir), []);
  return modules;
}

/** Whether a directory holds Terraform source (CDKTF's cdk.tf.json included). */
export function hasTerraformSource(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && readdirSync(dir).some((n) => /\.tf(\.json)?$/.test(n));
}

async function parseDirectory(dir: string): Promise<SourceFile[]> {
  const names = readdirSync(dir)
    .filter((n) => /\.tf(\.json)?$/.test(n))
    .sort();
  const files: SourceFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const text = readFileSync(path, "utf8");
    const body = name.endsWith(".json") ? JSON.parse(text) : await hcl2json().parse(name, text);
    files.push({ path, body, lines: text.split("\n") });
  }
  return files;
}

/** `module "name" { source = ... }` calls of a module: name -> source. */
function moduleCalls(files: readonly SourceFile[]): Map<string, string> {
  const calls = new Map<string, string>();
  for (const file of files) {
    for (const [name, blocks] of Object.entries(file.body.module ?? {})) {
      const block = Array.isArray(blocks) ? blocks[0] : blocks;
      if (typeof block?.source === "string") calls.set(name, block.source);
    }
  }
  return calls;
}

/** modules.json written by `terraform init`: "a.b" -> directory of registry and git modules. */
function installedModules(rootDir: string): Map<string, string> {
  const manifest = join(rootDir, ".terraform", "modules", "modules.json");
  const dirs = new Map<string, string>();
  if (!existsSync(manifest)) return dirs;
  try {
    const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { Modules?: Array<{ Key: string; Dir: string }> };
    for (const entry of parsed.Modules ?? []) if (entry.Key) dirs.set(entry.Key, resolve(rootDir, entry.Dir));
  } catch {
    // An unreadable manifest leaves registry modules unresolved, as without init.
  }
  return dirs;
}

/** "file:line" of the first line matching a pattern, for evidence; path relative to the working directory. */
export function lineOf(file: SourceFile, pattern: RegExp, after = 0): string {
  const index = file.lines.findIndex((line, i) => i >= after && pattern.test(line));
  const rel = relative(process.cwd(), file.path);
  const shown = (rel.startsWith("..") || isAbsolute(rel) ? file.path : rel).split(sep).join("/");
  return index < 0 ? shown : `${shown}:${index + 1}`;
}

/** Index of the first line matching a pattern, or 0. */
export function lineIndex(file: SourceFile, pattern: RegExp): number {
  return Math.max(
    0,
    file.lines.findIndex((line) => pattern.test(line)),
  );
}
