// The gate refusing the insecure variant: plan it, validate, apply only on a pass (it must not pass),
// then ask the emulator whether any of its resources exist.
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { cpSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { outcome, type Clients } from "./aws";
import { INSECURE_VARIANT, applySavedPlan, plan, sha256, validate, type StepResult } from "./stack";

export const INSECURE_TABLE = "snowy-sessions-insecure";
export const INSECURE_ROLE = "snowy-sessions-insecure-reader";

export interface Refusal {
  readonly planSummary: string;
  readonly gate: StepResult;
  readonly applied: boolean;
  /** SDK outcome per resource of the variant: an error name such as ResourceNotFoundException, or "ok" if it exists. */
  readonly existence: Record<string, string>;
}

export interface GatedVariant {
  readonly dir: string;
  readonly planFile: string;
  readonly validatedSha256: string;
  readonly planSummary: string;
  readonly gate: StepResult;
}

const variantEnv = (env: NodeJS.ProcessEnv, region: string): NodeJS.ProcessEnv => ({
  ...env,
  TF_VAR_region: region,
  ...(env.DDB_GUARDRAILS_ACCOUNT_ID ? { TF_VAR_account_id: env.DDB_GUARDRAILS_ACCOUNT_ID } : {}),
});

/** Plans the insecure variant and runs the gate on its saved plan (independent of Snowy's stack, so it can overlap it). */
export async function gateInsecureVariant(
  workdir: string,
  env: NodeJS.ProcessEnv,
  region: string,
): Promise<GatedVariant> {
  const dir = mkdtempSync(join(workdir, "insecure-"));
  cpSync(INSECURE_VARIANT, dir, { recursive: true });
  const p = await plan(dir, variantEnv(env, region));
  const validatedSha256 = sha256(p.planFile);
  const gate = await validate(p.planFile, variantEnv(env, region));
  return { dir, planFile: p.planFile, validatedSha256, planSummary: p.summary, gate };
}

/** Applies the variant only if the gate passed it (it must not), then asks the emulator whether any of it exists. */
export async function refuseInsecureVariant(c: Clients, gated: GatedVariant, env: NodeJS.ProcessEnv): Promise<Refusal> {
  let applied = false;
  if (gated.gate.status === 0) {
    // Only reached if the gate wrongly passes the variant: apply, so the existence check below shows it.
    await applySavedPlan(gated.planFile, gated.validatedSha256, gated.dir, variantEnv(env, c.region));
    applied = true;
  }
  const existence = {
    [`DynamoDB table ${INSECURE_TABLE}`]: await outcome(
      c.dynamodb.send(new DescribeTableCommand({ TableName: INSECURE_TABLE })),
    ),
    [`IAM role ${INSECURE_ROLE}`]: await outcome(c.iam.send(new GetRoleCommand({ RoleName: INSECURE_ROLE }))),
  };
  return { planSummary: gated.planSummary, gate: gated.gate, applied, existence };
}
