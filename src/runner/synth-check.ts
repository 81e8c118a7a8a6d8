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
  const progress = new Progress({});
  const gate = openGate({ config: options.configFile, rules: options.rules, failOn: options.failOn }, progress);
  const stacks = app.node.children
    .filter((c): c is TerraformStack => c instanceof TerraformStack)
    .map((s) => s.node.id)
    .filter((id) => !options.stacks || options.stacks.includes(id));
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
