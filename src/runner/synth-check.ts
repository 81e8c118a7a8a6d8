import { join } from "node:path";
import type { App } from "cdktf";
import { TerraformStack } from "cdktf";
import type { Severity } from "../engine";
import { formatters, plainStyle } from "../cli/formatters";
import { openGate } from "./gate";
import { loadInput } from "./inputs";
import { Progress } from "../cli/progress";
import { EXIT } from "../cli/exit-codes";

export interface SynthCheckOptions {
  /** Only these stacks. @default every stack of the app */
  readonly stacks?: readonly string[];
  /** Rule ids or guardrails to report. @default all */
  readonly rules?: readonly string[];
  /** @default "low" (any unwaived finding fails) */
  readonly failOn?: Severity;
  /** Project config (parameters, waivers). @default .ddb-guardrails.yml/.json in the current folder, if any */
  readonly configFile?: string;
}

/**
 * The gate for teams that keep running `cdktf deploy`: call it after `app.synth()`. It plans each
 * synthesized stack with terraform (exactly as `cdktf deploy` will next), validates that plan with
 * the same compiled policies as `ddb-guardrails validate`, prints the findings on stderr and sets
 * the exit code to 1, which makes `cdktf deploy` stop before anything is applied. Judging the plan,
 * not the synthesized JSON, keeps it exact: unknown values and provider defaults exist only there.
 * The price is one extra `terraform plan`; `ddb-guardrails deploy` avoids it and also applies
 * exactly the plan it validated.
 *
 * It never rejects, so a CommonJS app (the `cdktf init` default, where top-level `await` does not
 * compile) calls it as `void checkSynthesizedStacks(app);`: Node waits for it before exiting.
 * An app with no stack to check, or stacks made by another copy of cdktf, exits 2.
 * @returns true when every stack passed
 */
export async function checkSynthesizedStacks(app: App, options: SynthCheckOptions = {}): Promise<boolean> {
  try {
    return await checkStacks(app, options);
  } catch (err) {
    // Could not judge the stacks: stop the deploy (exit 2), never let it through.
    process.stderr.write(`ddb-guardrails: error: ${(err as Error).message.split("\n")[0]}\n`);
    process.exitCode = EXIT.ERROR;
    return false;
  }
}

async function checkStacks(app: App, options: SynthCheckOptions): Promise<boolean> {
  const stacks = stacksToCheck(app, options.stacks);
  const progress = new Progress({});
  const gate = openGate({ config: options.configFile, rules: options.rules, failOn: options.failOn }, progress);
  let passed = true;
  try {
    for (const stack of stacks) {
      const source = await loadInput(join(app.outdir, "stacks", stack), { progress });
      const report = await gate.evaluate(source, `evaluate ${stack}`);
      const text = formatters.text(report, gate.bundle.rules, plainStyle, { locations: source.locations });
      process.stderr.write(`ddb-guardrails: stack ${stack}\n${text}`);
      if (!report.summary.passed) passed = false;
    }
  } finally {
    await gate.close();
  }
  if (!passed) process.exitCode = EXIT.VIOLATIONS;
  return passed;
}

/**
 * The ids of the app's stacks to check. Zero stacks is an error, never a pass: an app from another
 * copy of cdktf (its stacks fail `instanceof` here) would otherwise go through unchecked.
 */
function stacksToCheck(app: App, only: readonly string[] | undefined): string[] {
  const children = app?.node?.children ?? [];
  const foreign = children
    .filter((c) => !(c instanceof TerraformStack) && TerraformStack.isStack(c))
    .map((c) => c.node.id);
  if (foreign.length > 0) {
    throw new Error(
      `the app's stacks (${foreign.join(", ")}) come from another copy of cdktf than ddb-guardrails loads (${require.resolve("cdktf")}): install cdktf once (it is a peer dependency of ddb-guardrails; \`npm ls cdktf\` shows the copies, \`npm dedupe\` merges them)`,
    );
  }
  const ids = children.filter((c) => c instanceof TerraformStack).map((s) => s.node.id);
  const missing = (only ?? []).filter((id) => !ids.includes(id));
  if (missing.length > 0) {
    throw new Error(`no stack named ${missing.join(", ")} in the app (its stacks: ${ids.join(", ") || "none"})`);
  }
  const chosen = only ? ids.filter((id) => only.includes(id)) : ids;
  if (chosen.length === 0) {
    throw new Error("the app has no stack to check: pass the App whose stacks were synthesized, after app.synth()");
  }
  return chosen;
}
