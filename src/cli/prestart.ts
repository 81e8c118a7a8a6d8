// Loaded first by main.ts: for `validate`, starts the HCL parser's thread when it is given a plan with
// Terraform source beside it (or --source) that the parse cache does not hold, else an evaluation
// thread, before the rest of the CLI loads. Starting either takes about as long as loading the CLI and
// reading a pull request's plan, so they then happen at once. A guess from the arguments alone: a wrong
// one costs only that start.
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { hasTerraformSource, isCached } from "../engine/source/files";
import { prestartPolicyThread } from "../engine/policy/prestarted-thread";
import { startHclParser } from "../engine/source/hcl";

function sourceDirs(args: readonly string[]): string[] {
  const dirs: string[] = [];
  args.forEach((arg, i) => {
    if (arg === "--source" || arg === "--source-dir") dirs.push(args[i + 1] ?? "");
    else if (!arg.startsWith("-") && existsSync(arg)) dirs.push(statSync(arg).isDirectory() ? arg : dirname(arg));
  });
  return dirs;
}

// One thread ahead at most: while the parser starts and parses, it is the longer path, and an
// evaluation thread starting beside it on a two-core machine would only slow it.
const [command, ...args] = process.argv.slice(2);
if (command === "validate" && sourceDirs(args).some((dir) => hasTerraformSource(dir) && !isCached(dir)))
  startHclParser();
else if (command === "validate" && !args.some((arg) => arg === "--help" || arg === "-h")) prestartPolicyThread();
