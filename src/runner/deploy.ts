import { join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { GuardrailsError, parsePlan, type Report } from "../engine";
import { planSource, stackDirectory, type InputLimits, type PlanSource } from "./inputs";
import { settleSignals, wasInterrupted, withPrivateDir } from "./interrupt";
import { COMMANDS_RULE, unwaivedCommands } from "./gate";
import { cdktfLocations, hclLocations } from "./locations";
import type { Progress } from "../cli/progress";
import { SealedPlan } from "./sealed-plan";
import { applyPlan, planDirectory, showPlan } from "./terraform";

export interface DeployOptions {
  readonly appDir: string;
  readonly stack?: string;
  readonly autoApprove: boolean;
  readonly progress: Progress;
  readonly limits?: InputLimits;
  /** Validates the plan and writes the reports; the deploy continues only when the report passed. */
  readonly validate: (source: PlanSource) => Promise<Report>;
}

/**
 * synth -> terraform init + plan -out -> validate exactly that saved plan -> apply exactly that saved
 * plan, only if it passed, and only if its bytes did not change since they were validated.
 * Returns the exit code: 0 applied, 1 refused for findings (nothing applied).
 */
export async function deploy(options: DeployOptions): Promise<number> {
  const { progress } = options;
  // Known before any work: without a terminal the confirmation could never be given.
  if (!options.autoApprove && !canConfirm()) {
    throw new GuardrailsError(
      "refusing to apply without --auto-approve: there is no terminal to confirm on (nothing was planned or applied)",
    );
  }
  // Also known before any work: without a sealed copy the plan applied could differ from the one validated.
  SealedPlan.assertAvailable();
  const target = await stackDirectory(resolve(options.appDir), { stack: options.stack, progress });
  const label = relative(process.cwd(), target.dir) || ".";
  // The saved plan lives in a private temporary folder (mode 0700), out of reach of the app's own files.
  return withPrivateDir("ddb-guardrails-deploy-", async (planDir) => {
    const planFile = join(planDir, "tfplan");
    await progress.step(`terraform init and plan in ${label}`, () => planDirectory(target.dir, planFile, label));
    // From here on terraform reads only the sealed copy: what is shown is what is applied.
    const sealed = SealedPlan.seal(planFile);
    try {
      const json = await progress.step("terraform show -json", () =>
        showPlan(target.dir, sealed, label, options.limits?.maxBytes),
      );
      const plan = parsePlan(json, `plan of ${label}`, options.limits);
      const stackJson = join(target.dir, "cdk.tf.json");
      const locations = target.appDir ? cdktfLocations(stackJson, target.entryFile) : hclLocations(plan, target.dir);
      const report = await options.validate(await planSource(plan, locations, target.dir, options.limits));
      if (!report.summary.passed) {
        process.stderr.write(
          `ddb-guardrails: deploy refused: ${report.summary.violations} violation(s) in ${label}; nothing was applied\n`,
        );
        return 1;
      }
      const commands = unwaivedCommands(report);
      if (commands.length > 0) {
        process.stderr.write(
          `ddb-guardrails: deploy refused: ${commands.length} command(s) would run outside the validated plan (${COMMANDS_RULE}: ${commands.map((f) => f.address).join(", ")}); waive each with its reason to apply; nothing was applied\n`,
        );
        return 1;
      }
      if (!options.autoApprove) await confirm(label);
      sealed.verify();
      await settleSignals();
      if (wasInterrupted()) throw new GuardrailsError("interrupted before apply; nothing was applied");
      progress.note(`applying the validated plan (sha256 ${sealed.sha256.slice(0, 12)}) in ${label}`);
      await applyPlan(target.dir, sealed, label, planDir);
      return 0;
    } finally {
      sealed.close();
    }
  });
}

/** Asks on the terminal; without one there is nobody to ask, so the deploy stops (use --auto-approve in CI). */
function canConfirm(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

async function confirm(label: string): Promise<void> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const cancel = new AbortController();
  prompt.on("SIGINT", () => cancel.abort()); // Ctrl-C at the prompt is a "no"
  try {
    const answer = await prompt
      .question(`Apply the validated plan in ${label}? Only "yes" is accepted: `, { signal: cancel.signal })
      .catch(() => "");
    if (answer.trim() !== "yes") throw new GuardrailsError("apply cancelled; nothing was applied");
  } finally {
    prompt.close();
  }
}
