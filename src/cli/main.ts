#!/usr/bin/env node
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { GuardrailsError, loadBundle, readPlan, validatePlan } from "../engine";
import { packageVersion } from "../engine/package-root";
import { colourStyle, formatters, plainStyle, type FormatName } from "./formatters";

/** Exit codes: 0 no violations, 1 violations, 2 the tool could not do its job. */
export const EXIT = { PASS: 0, VIOLATIONS: 1, ERROR: 2 } as const;

function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env.NO_COLOR === undefined;
}

function program(): Command {
  const cli = new Command("ddb-guardrails")
    .description("Validate terraform plans against DynamoDB security guardrails (encryption, endpoint, FGAC, recovery, audit).")
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();

  cli
    .command("validate")
    .description("Validate a plan: the JSON of `terraform show -json`, - for stdin, or a binary saved plan.")
    .argument("<plan>", "plan JSON file, - for stdin, or a saved plan from terraform plan -out")
    .addOption(new Option("-f, --format <format>", "report format").choices(Object.keys(formatters)).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addHelpText(
      "after",
      `
Examples:
  terraform plan -out tfplan && terraform show -json tfplan > plan.json
  ddb-guardrails validate plan.json
  ddb-guardrails validate tfplan --format json --output report.json
  terraform show -json tfplan | ddb-guardrails validate -

Exit codes: 0 no violations, 1 violations, 2 the plan could not be evaluated (bad input, tampered bundle).`,
    )
    .action((planPath: string, opts: { format: FormatName; output?: string }) => {
      const plan = readPlan(planPath);
      const bundle = loadBundle();
      const report = validatePlan(plan, { bundle });
      const toTerminal = !opts.output && useColour(process.stdout);
      const out = formatters[opts.format](report, bundle.rules, toTerminal ? colourStyle : plainStyle);
      if (opts.output) writeFileSync(opts.output, out);
      else process.stdout.write(out);
      process.exitCode = report.summary.passed ? EXIT.PASS : EXIT.VIOLATIONS;
    });
  return cli;
}

export function run(argv: string[]): void {
  try {
    program().parse(argv);
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith("commander.")) {
      // help and version exit 0; usage errors were already printed by commander
      process.exitCode = e.exitCode === 0 ? EXIT.PASS : EXIT.ERROR;
      return;
    }
    const message = err instanceof GuardrailsError ? err.message : `internal error: ${e.message}`;
    process.stderr.write(`ddb-guardrails: error: ${message.split("\n")[0]}\n`);
    if (process.argv.includes("--debug") && e.stack) process.stderr.write(e.stack + "\n");
    process.exitCode = EXIT.ERROR;
  }
}

if (require.main === module) run(process.argv);
