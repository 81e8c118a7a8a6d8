import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures");
/** The built CLI (npm test builds it first), run as a user would run it. */
export const CLI = join(ROOT, "dist", "src", "cli", "main.js");

export function fixturePlan(name: string): string {
  return join(FIXTURES, name, "plan.json");
}

export function runCli(
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    input: options.input,
    encoding: "utf8",
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    maxBuffer: 256 * 1024 * 1024,
  });
}
