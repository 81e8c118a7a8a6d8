import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { GuardrailsError } from "../errors";
import { prefetchTemplates, rememberAsts } from "./evaluate-expression";
import { hcl2json } from "./hcl";
import { ModuleDirs } from "./module-dirs";
import { ParseCache, type FileKind } from "./parse-cache";

/**
 * A block as hcl2json writes it: attributes as JSON, an expression as a "${...}" string, nested
 * blocks under their type as lists of blocks.
 */
export type HclBlock = { readonly [name: string]: unknown };

/** The blocks of one type and labels: a list from hcl2json, one object where a .tf.json writes it so. */
export type HclBlocks = HclBlock | readonly HclBlock[];

/** A file's top level as hcl2json writes it (a .tf.json body has the same shape), by block type and labels. */
export interface HclFile {
  readonly resource?: Record<string, Record<string, HclBlocks>>;
  readonly data?: Record<string, Record<string, HclBlocks>>;
  readonly module?: Record<string, HclBlocks>;
  readonly variable?: Record<string, HclBlocks>;
  readonly output?: Record<string, HclBlocks>;
  readonly locals?: HclBlocks;
}

/** One parsed .tf or .tf.json file and its lines. */
export interface SourceFile {
  readonly path: string;
  readonly body: HclFile;
  readonly lines: readonly string[];
}

/** A module directory of the configuration, by module path ("" for the root, "module.a.module.b"). */
export interface SourceModule {
  readonly path: string;
  /** The module that calls this one, by path, and the name of the call; none for the root. */
  readonly caller?: { readonly path: string; readonly name: string };
  readonly dir: string;
  readonly files: readonly SourceFile[];
}

/** Module paths whose source could not be read, and why (they stay unresolved). */
export type SourceGaps = Map<string, string>;

/**
 * Bounds of the source reader. Terraform cannot install a module that calls itself (its module cache
 * path grows until the file name is too long), so a cycle is refused outright; the depth and count
 * bound trees that fan out without a cycle, and the bytes and the deadline bound the reading itself.
 */
export interface SourceLimits {
  /** Most bytes of .tf/.tf.json read in all. @default 256 MiB, as --max-bytes for the plan */
  readonly maxBytes?: number;
  /** Wall-clock limit of reading and evaluating the source, in seconds (--timeout). @default 120 */
  readonly timeoutSeconds?: number;
}

export const MAX_MODULE_DEPTH = 32;
export const MAX_MODULES = 10_000;
const DEFAULT_SOURCE_BYTES = 256 * 1024 * 1024;
const DEFAULT_SOURCE_SECONDS = 120; // DEFAULT_TIMEOUT_SECONDS of the policy evaluation

/** A point in time past which reading the source stops with an error. */
export class Deadline {
  private readonly at: number;
  constructor(private readonly seconds: number = DEFAULT_SOURCE_SECONDS) {
    this.at = Date.now() + seconds * 1000;
  }
  check(): void {
    if (Date.now() > this.at)
      throw new GuardrailsError(`reading the Terraform source did not finish within ${this.seconds} s (--timeout)`);
  }
}

/**
 * The files terraform reads in a module directory: *.tf and *.tf.json, minus what its config loader
 * ignores (configs.IsIgnoredFile: names starting with ".", ending in "~", or "#...#").
 */
export function isConfigFile(name: string): boolean {
  if (!/\.tf(\.json)?$/.test(name)) return false;
  return !(name.startsWith(".") || name.endsWith("~") || (name.startsWith("#") && name.endsWith("#")));
}

/** override.tf, *_override.tf (and .tf.json): terraform merges them over the other files' definitions. */
export function isOverrideFile(name: string): boolean {
  return /(^|_)override\.tf(\.json)?$/.test(name);
}

/** The root module and every module it calls, where terraform finds them (ModuleDirs). */
export async function readSourceModules(
  rootDir: string,
  gaps: SourceGaps = new Map(),
  limits: SourceLimits = {},
  deadline = new Deadline(limits.timeoutSeconds),
  cache?: ParseCache,
): Promise<SourceModule[]> {
  const moduleDirs = ModuleDirs.of(rootDir);
  const modules: SourceModule[] = [];
  const parsed = new Map<string, SourceFile[]>();
  const budget = { bytes: limits.maxBytes ?? DEFAULT_SOURCE_BYTES };
  const visit = async (
    path: string,
    dir: string,
    keyPath: string[],
    ancestors: Map<string, string>,
    caller?: SourceModule["caller"],
  ): Promise<void> => {
    deadline.check();
    if (modules.length >= MAX_MODULES)
      throw new GuardrailsError(`the configuration calls more than ${MAX_MODULES} modules`);
    let files = parsed.get(dir);
    if (!files) {
      files = await parseDirectory(dir, budget, deadline, cache);
      parsed.set(dir, files);
    }
    modules.push({ path, dir, files, ...(caller ? { caller } : {}) });
    for (const [name, source] of moduleCalls(files)) {
      const childKey = [...keyPath, name];
      const childPath = path ? `${path}.module.${name}` : `module.${name}`;
      const childDir = moduleDirs.dirOf(dir, source, childKey);
      if (!childDir || !existsSync(childDir)) {
        gaps.set(childPath, `source ${source} is not on disk (run terraform init)`);
        continue;
      }
      const again = ancestors.get(childDir);
      if (again !== undefined)
        throw new GuardrailsError(
          `${childPath} calls ${source}, the directory of ${again || "the root module"}: a module that calls itself never ends (terraform init refuses it too)`,
        );
      if (childKey.length > MAX_MODULE_DEPTH)
        throw new GuardrailsError(`${childPath}: modules are nested deeper than ${MAX_MODULE_DEPTH} levels`);
      await visit(childPath, childDir, childKey, new Map([...ancestors, [childDir, childPath]]), { path, name });
    }
  };
  const root = resolve(rootDir);
  await visit("", root, [], new Map([[root, ""]]));
  return modules;
}

/** Whether a directory holds Terraform source (CDKTF's cdk.tf.json included). */
export function hasTerraformSource(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && readdirSync(dir).some(isConfigFile);
}

/** Whether every file of a module directory has a parse cache entry: reading it then starts no parser. */
export function isCached(dir: string, cache = ParseCache.open()): boolean {
  if (!cache) return false;
  try {
    return readdirSync(dir)
      .filter(isConfigFile)
      .every((name) => cache.has(kindOf(name), readFileSync(join(dir, name), "utf8")));
  } catch {
    return false;
  }
}

const kindOf = (name: string): FileKind => (name.endsWith(".json") ? "json" : "hcl");

async function parseDirectory(
  dir: string,
  budget: { bytes: number },
  deadline: Deadline,
  cache?: ParseCache,
): Promise<SourceFile[]> {
  const names = readdirSync(dir).filter(isConfigFile).sort();
  // Refused rather than merged: reading the file an override replaces would judge what terraform does not run.
  const override = names.find(isOverrideFile);
  if (override)
    throw new GuardrailsError(
      `${join(dir, override)}: override files are not supported (terraform merges them over other definitions); fold it into the file it overrides`,
    );
  const reads: { path: string; kind: FileKind; text: string; body: Promise<Record<string, unknown>> }[] = [];
  for (const name of names) {
    deadline.check();
    const path = join(dir, name);
    budget.bytes -= statSync(path).size;
    if (budget.bytes < 0) throw new GuardrailsError(`the Terraform source is larger than the limit (--max-bytes)`);
    const text = readFileSync(path, "utf8");
    const kind = kindOf(name);
    const cached = cache?.read(kind, text);
    if (cached) rememberAsts(cached.asts);
    // Every file of the directory is sent to the parser at once, and each body's expressions as soon as
    // it is back: the parser's thread then works through them without waiting on this one in between.
    const body: Promise<Record<string, unknown>> = cached?.body
      ? Promise.resolve(cached.body)
      : (kind === "json" ? Promise.resolve().then(() => JSON.parse(text)) : hcl2json().parse(name, text)).then(
          (parsed: Record<string, unknown>) => {
            if (!cached) prefetchTemplates(parsed);
            return parsed;
          },
        );
    // Handled here too: a later file over the budget or past the deadline throws before it is awaited.
    body.catch(() => undefined);
    reads.push({ path, kind, text, body });
  }
  // The first file in name order that does not parse is the one named, as when they were read in turn.
  const settled = await Promise.allSettled(reads.map((read) => read.body));
  return reads.map(({ path, kind, text }, i) => {
    const result = settled[i];
    if (result.status === "rejected") throw result.reason;
    cache?.parsedBody(kind, text, result.value);
    // Terraform read the same text when it planned (the cross-check holds the source to the plan).
    return { path, body: result.value as HclFile, lines: text.split("\n") };
  });
}

/** `module "name" { source = ... }` calls of a module: name -> source. */
function moduleCalls(files: readonly SourceFile[]): Map<string, string> {
  const calls = new Map<string, string>();
  for (const file of files) {
    for (const [name, blocks] of Object.entries(file.body.module ?? {})) {
      const block: HclBlock | undefined = Array.isArray(blocks) ? blocks[0] : blocks;
      if (typeof block?.source === "string") calls.set(name, block.source);
    }
  }
  return calls;
}

/** A path as reports name it: relative to the working directory when inside it, else as given; "/" separators. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return (rel.startsWith("..") || isAbsolute(rel) ? path : rel).split(sep).join("/");
}

/**
 * The first line of a block, `resource "aws_x" "name" {`, by its type and labels: written as they are
 * (a label from a crafted plan or source may hold ( or .*, which must match only themselves).
 */
export function blockHeader(kind: string, ...labels: string[]): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(kind)}${labels.map((label) => `\\s+"${escapeRegExp(label)}"`).join("")}`);
}

/** Text that a regular expression matches as written. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** "file:line" of the first line matching a pattern, for evidence; path relative to the working directory. */
export function lineOf(file: SourceFile, pattern: RegExp, after = 0): string {
  const index = file.lines.findIndex((line, i) => i >= after && pattern.test(line));
  const shown = displayPath(file.path);
  return index < 0 ? shown : `${shown}:${index + 1}`;
}

/** Index of the first line matching a pattern, or 0. */
export function lineIndex(file: SourceFile, pattern: RegExp): number {
  return Math.max(
    0,
    file.lines.findIndex((line) => pattern.test(line)),
  );
}
