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

export async function refuseInsecureVariant(c: Clients, workdir: string, env: NodeJS.ProcessEnv): Promise<Refusal> {
  const dir = mkdtempSync(join(workdir, "insecure-"));
  cpSync(INSECURE_VARIANT, dir, { recursive: true });
  const variantEnv = { ...env, TF_VAR_region: c.region };
  const p = plan(dir, variantEnv);
  const validated = sha256(p.planFile);
  const gate = validate(p.planFile, variantEnv);
  let applied = false;
  if (gate.status === 0) {
    // Only reached if the gate wrongly passes the variant: apply, so the existence check below shows it.
    applySavedPlan(p.planFile, validated, dir, variantEnv);
    applied = true;
  }
  const existence = {
    [`DynamoDB table ${INSECURE_TABLE}`]: await outcome(c.dynamodb.send(new DescribeTableCommand({ TableName: INSECURE_TABLE }))),
    [`IAM role ${INSECURE_ROLE}`]: await outcome(c.iam.send(new GetRoleCommand({ RoleName: INSECURE_ROLE }))),
  };
  return { planSummary: p.summary, gate, applied, existence };
}
