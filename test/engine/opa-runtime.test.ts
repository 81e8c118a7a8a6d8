// The engine evaluates entrypoints by name: a bundle built without one of them is refused when it is
// instantiated, with the names it lacks, rather than failing mid-evaluation on an unknown entrypoint id.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GuardrailsError, instantiate, loadBundle } from "../../src/engine";
import { ROOT } from "../helpers/paths";

test("a policy bundle without the engine's entrypoints is refused, naming them", () => {
  const work = mkdtempSync(join(tmpdir(), "ddb-opa-runtime-"));
  try {
    writeFileSync(join(work, "other.rego"), "package other\n\nimport rego.v1\n\nallow := true\n");
    const opa = join(ROOT, ".tools", "bin", "opa");
    execFileSync(opa, ["build", "-t", "wasm", "-e", "other/allow", "-o", join(work, "bundle.tar.gz"), work]);
    execFileSync("tar", ["-xzf", join(work, "bundle.tar.gz"), "-C", work, "/policy.wasm"]);
    const wasm = readFileSync(join(work, "policy.wasm"));
    const load = () => instantiate({ wasm, data: {} }, {}, { maxMemoryMiB: 64 });
    expect(load).toThrow(GuardrailsError);
    expect(load).toThrow(
      "policy bundle has no entrypoint ddb_guardrails/main/report, ddb_guardrails/main/iam_report, ddb_guardrails/main/other_report, ddb_guardrails/access/map (it exports other/allow)",
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("the shipped bundle has every entrypoint the engine evaluates", () => {
  expect(() => instantiate(loadBundle(), {}, { maxMemoryMiB: 64 })).not.toThrow();
});
