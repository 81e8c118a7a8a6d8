import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths";

/**
 * The value of one query, evaluated by the pinned native OPA over the Rego source of policies/ (tests
 * left out) and any further data files: what the Rego tests run, to hold the compiled bundle to.
 */
export function evalPolicies<T>(query: string, ...data: string[]): T {
  const run = spawnSync(
    join(ROOT, ".tools", "bin", "opa"),
    [
      "eval",
      "--format",
      "json",
      "--ignore",
      "*_test.rego",
      "-d",
      join(ROOT, "policies"),
      ...data.flatMap((d) => ["-d", d]),
      query,
    ],
    { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 },
  );
  if (run.status !== 0 || run.stderr !== "") throw new Error(`opa eval failed: ${run.stderr}`);
  return JSON.parse(run.stdout).result[0].expressions[0].value as T;
}
