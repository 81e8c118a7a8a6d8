// Loaded first by main.ts: starts the HCL parser's thread before the rest of the CLI loads, when
// `validate` is given a plan with Terraform source beside it (or --source) that the parse cache does not
// hold. Starting the parser's Go runtime takes longer than loading the CLI and reading a pull request's
// plan, so both then happen at once. A guess from the arguments alone: a wrong one costs only that start.
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { hasTerraformSource, isCached } from "../engine/source/files";
import { startHclParser } from "../engine/source/hcl";

function sourceDirs(args: readonly string[]): string[] {
  const dirs: string[] = [];
  args.forEach((arg, i) => {
    if (arg === "--source" || arg === "--source-dir") dirs.push(args[i + 1] ?? "");
    else if (!arg.startsWith("-") && existsSync(arg)) dirs.push(statSync(arg).isDirectory() ? arg : dirname(arg));
  });
  return dirs;
}

const [command, ...args] = process.argv.slice(2);
if (command === "validate" && sourceDirs(args).some((dir) => hasTerraformSource(dir) && !isCached(dir)))
  startHclParser();
