import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPolicySync, type LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { BUNDLE_DIGEST } from "./bundle-digest";
import { GuardrailsError } from "./errors";
import { packageRoot } from "./package-root";
import type { Rule } from "./types";

export const ENTRYPOINT = "ddb_guardrails/main/report";
const WASM_PAGE = 64 * 1024;

export interface PolicyBundle {
  readonly dir: string;
  readonly version: string;
  /** SHA-256 of policy.wasm: identifies the exact policies a report came from. */
  readonly sha256: string;
  readonly rules: readonly Rule[];
  readonly wasm: Buffer;
  readonly data: Record<string, unknown>;
}

export interface BundleOptions {
  /** Folder holding policy.wasm, data.json and rules.json. @default the bundle shipped in this package */
  readonly dir?: string;
}

/**
 * Reads the compiled bundle and refuses it unless every file matches the SHA-256 recorded when
 * it was built (src/engine/bundle-digest.ts), so a swapped or edited policy cannot go unnoticed.
 */
export function loadBundle(options: BundleOptions = {}): PolicyBundle {
  const dir = options.dir ?? join(packageRoot(), "bundle");
  const files: Record<string, Buffer> = {};
  for (const [name, expected] of Object.entries(BUNDLE_DIGEST)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch {
      throw new GuardrailsError(`policy bundle ${dir}: ${name} is missing`);
    }
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== expected) {
      throw new GuardrailsError(`policy bundle ${dir}: ${name} does not match its recorded SHA-256 (modified after build?); refusing to use it`);
    }
    files[name] = bytes;
  }
  const catalog = JSON.parse(files["rules.json"].toString("utf8")) as { version: string; rules: Rule[] };
  return {
    dir,
    version: catalog.version,
    sha256: BUNDLE_DIGEST["policy.wasm"],
    rules: catalog.rules,
    wasm: files["policy.wasm"],
    data: JSON.parse(files["data.json"].toString("utf8")),
  };
}

export interface InstanceOptions {
  /** Ceiling of wasm linear memory, in MiB. @default 2048 */
  readonly maxMemoryMiB?: number;
}

/** A wasm instance of the bundle with its data (and the project's rule parameters) loaded. */
export function instantiate(bundle: PolicyBundle, parameters: Record<string, unknown>, options: InstanceOptions = {}): LoadedPolicy {
  const maximum = Math.floor(((options.maxMemoryMiB ?? 2048) * 1024 * 1024) / WASM_PAGE);
  const policy = loadPolicySync(bundle.wasm, { initial: 32, maximum });
  policy.setData({ ...bundle.data, ddb_guardrails_config: { parameters } });
  return policy;
}
