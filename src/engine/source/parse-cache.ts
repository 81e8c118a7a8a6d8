import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { templatesOf } from "./evaluate-expression";
import { parserId } from "./hcl";

/**
 * What the HCL parser made of files, kept between runs under the user's cache folder: starting the
 * parser's Go runtime and parsing cost more than the rest of a run on a pull request's plan, and most
 * files have not changed since the last run. An entry is found by the SHA-256 of the file's text with the
 * parser's package name and version, so it can only ever stand for that text as that parser read it; it
 * holds that key and a checksum of itself,
 * and one that does not check out (cut short, edited, put under another name) is parsed again and
 * replaced, never used. Reading and writing the cache are best effort: a run never fails for it.
 */
export class ParseCache {
  private readonly files = new Map<string, CachedFile>();

  private constructor(private readonly dir: string) {}

  /**
   * The cache of this user: $XDG_CACHE_HOME/ddb-guardrails/hcl (~/.cache when unset), one folder per
   * parser package and version. None without a home folder.
   */
  static open(): ParseCache | undefined {
    const xdg = process.env.XDG_CACHE_HOME;
    let base = xdg && isAbsolute(xdg) ? xdg : undefined; // the XDG spec: a relative path is ignored
    if (!base) {
      try {
        base = join(homedir(), ".cache");
      } catch {
        return undefined;
      }
    }
    return new ParseCache(join(base, "ddb-guardrails", "hcl", `format-${FORMAT}`, encodeURIComponent(PARSER_ID)));
  }

  /** Whether a file's text has an entry (not checked: for deciding early whether to start the parser). */
  has(kind: FileKind, text: string): boolean {
    return existsSync(this.path(keyOf(kind, text)));
  }

  /** The cached parse of a file's text, if there is a sound entry; the file is remembered for save(). */
  read(kind: FileKind, text: string): Parsed | undefined {
    const key = keyOf(kind, text);
    const found = this.load(key);
    this.files.set(key, { kind, parsed: found, body: found?.body });
    return found;
  }

  /** The body parsed for a file read() found no entry for. */
  parsedBody(kind: FileKind, text: string, body: Record<string, unknown>): void {
    const file = this.files.get(keyOf(kind, text));
    if (file) file.body = body;
  }

  /**
   * Writes the entries of the files read that were new or had expressions parsed since: each with the
   * ASTs `ast(text)` has for the templates of its body.
   */
  async save(ast: (template: string) => Promise<unknown> | undefined): Promise<void> {
    for (const [key, file] of this.files) {
      if (!file.body) continue;
      const asts: Record<string, unknown> = {};
      for (const template of templatesOf(file.body)) {
        for (const text of [template, template.replace(/\n/g, "\\n")]) {
          const found = ast(text);
          if (found) asts[text] = await found;
        }
      }
      const before = file.parsed ? Object.keys(file.parsed.asts).length : -1;
      if (Object.keys(asts).length <= before) continue;
      const parsed: Parsed = { asts, ...(file.kind === "hcl" ? { body: file.body } : {}) };
      this.store(key, parsed);
      file.parsed = parsed;
    }
  }

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  private load(key: string): Parsed | undefined {
    try {
      const text = readFileSync(this.path(key), "utf8");
      const newline = text.indexOf("\n");
      const payload = text.slice(newline + 1);
      if (newline < 0 || sha256(payload) !== text.slice(0, newline)) return undefined;
      const entry = JSON.parse(payload) as { key?: unknown; parsed?: Parsed };
      if (entry.key !== key || !isParsed(entry.parsed)) return undefined;
      return entry.parsed;
    } catch {
      return undefined;
    }
  }

  private store(key: string, parsed: Parsed): void {
    const payload = JSON.stringify({ key, parsed });
    const temp = `${this.path(key)}.${process.pid}.${Date.now()}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(temp, `${sha256(payload)}\n${payload}`, { mode: 0o600 });
      renameSync(temp, this.path(key)); // whole or not at all, for a run reading it at the same time
    } catch {
      rmSync(temp, { force: true });
    }
  }
}

/** .tf files go through the parser; .tf.json bodies are JSON, only their templates' ASTs are cached. */
export type FileKind = "hcl" | "json";

export interface Parsed {
  /** The parser's JSON form of a .tf file. */
  readonly body?: Record<string, unknown>;
  /** Template text -> its AST as the expression reader keeps it (null: it does not parse). */
  readonly asts: Record<string, unknown>;
}

interface CachedFile {
  readonly kind: FileKind;
  parsed?: Parsed;
  body?: Record<string, unknown>;
}

/** Bumped when what an entry holds changes shape. */
const FORMAT = 1;

const PARSER_ID = parserId();

function keyOf(kind: FileKind, text: string): string {
  return sha256(`${PARSER_ID}\0${kind}\0${text}`);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function isParsed(value: unknown): value is Parsed {
  if (value === null || typeof value !== "object") return false;
  const { body, asts } = value as Record<string, unknown>;
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  return isObject(asts) && (body === undefined || isObject(body));
}
