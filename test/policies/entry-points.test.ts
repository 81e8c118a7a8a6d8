// The construct API stays free of the engine: importing "ddb-guardrails" must not load the CLI,
// the policy engine or opa-wasm (and must not patch opa-wasm's builtins as a side effect).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers/paths";

function loadedModules(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as string[];
}

describe("entry points", () => {
  test("the package root (constructs) loads neither opa-wasm nor the engine nor the CLI", () => {
    const loaded = loadedModules(join(ROOT, "dist", "modules", "index.js"));
    expect(loaded.some((f) => f.includes(join("modules", "secure-table")))).toBe(true);
    expect(loaded.filter((f) => f.includes("opa-wasm") || f.includes(join("dist", "src")))).toEqual([]);
  });

  test("ddb-guardrails/synth loads the engine with the CLI's text formatter", () => {
    const loaded = loadedModules(join(ROOT, "dist", "src", "runner", "synth-check.js"));
    // opa-wasm itself is loaded by the worker thread that evaluates, not on import.
    expect(loaded.some((f) => f.endsWith(join("dist", "src", "engine", "evaluate.js")))).toBe(true);
    expect(loaded.some((f) => f.endsWith(join("dist", "src", "cli", "formatters", "text.js")))).toBe(true);
  });

  test("package.json maps ddb-guardrails/synth to the synth-time check", () => {
    const pkg = require(join(ROOT, "package.json")) as { exports: Record<string, { default: string }> };
    expect(pkg.exports["./synth"].default).toBe("./dist/src/runner/synth-check.js");
  });
});
