// The main job's steps as plain functions: synthesize main.ts, plan, validate with the built CLI,
// apply exactly the validated saved plan, destroy. Used by the demo and by the e2e tests.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export const ROOT = join(__dirname, "..");
export const CLI = join(ROOT, "dist", "src", "cli", "main.js");
export const SNOWY_STACK = "snowy-sessions";
export const INSECURE_VARIANT = join(__dirname, "insecure-variant");

/** The environment scripts/env.sh sets up: offline provider mirror, dummy credentials. */
export function toolEnv(emulatorUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(ROOT, ".tools", "bin")}:${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
    TF_CLI_CONFIG_FILE: join(ROOT, "scripts", "terraform.rc"),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_EC2_METADATA_DISABLED: "true",
    DDB_GUARDRAILS_ENDPOINT: emulatorUrl,
    TF_VAR_endpoint: emulatorUrl,
  };
}

export interface StepResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to completion (asynchronously, so independent steps can overlap); bounded by timeoutMs. */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 300_000,
): Promise<StepResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stderr =
        Buffer.concat(err).toString("utf8") + (signal ? `\n${cmd} stopped by ${signal} (limit ${timeoutMs} ms)` : "");
      resolve({ status: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr, ms: Date.now() - start });
    });
  });
}

async function must(step: string, pending: Promise<StepResult>): Promise<StepResult> {
  const r = await pending;
  if (r.status !== 0) {
    const tail = `${r.stderr}\n${r.stdout}`.trim().split("\n").slice(-20).join("\n");
    throw new Error(`${step} failed (exit ${r.status}):\n${tail}`);
  }
  return r;
}

/** Synthesizes main.ts into outdir (as `cdktf synth` does: the app run with CDKTF_OUTDIR) and returns the stack dir. */
export async function synthSnowy(outdir: string, env: NodeJS.ProcessEnv): Promise<{ dir: string; ms: number }> {
  const r = await must(
    "synth main.ts",
    run(process.execPath, ["-r", "ts-node/register/transpile-only", "main.ts"], ROOT, { ...env, CDKTF_OUTDIR: outdir }),
  );
  const dir = join(outdir, "stacks", SNOWY_STACK);
  if (!existsSync(join(dir, "cdk.tf.json"))) {
    const found = existsSync(join(outdir, "stacks")) ? readdirSync(join(outdir, "stacks")).join(", ") : "none";
    throw new Error(`synth main.ts: no stack ${SNOWY_STACK} in ${outdir} (stacks: ${found})`);
  }
  return { dir, ms: r.ms };
}

/** terraform init (offline mirror) + plan -out tfplan; returns the saved plan's path. */
export async function plan(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ planFile: string; ms: number; summary: string }> {
  // cdktf's default local backend keeps state beside the project (terraform.<stack>.tfstate in the repo);
  // a demo run keeps its state in its own directory instead.
  const init = await must(
    "terraform init",
    run(
      "terraform",
      ["init", "-input=false", "-no-color", `-backend-config=path=${join(dir, "terraform.tfstate")}`],
      dir,
      env,
    ),
  );
  const p = await must(
    "terraform plan",
    run("terraform", ["plan", "-input=false", "-no-color", "-out=tfplan"], dir, env),
  );
  const summary = /^Plan: .*$/m.exec(p.stdout)?.[0] ?? "Plan: (no summary line)";
  return { planFile: join(dir, "tfplan"), ms: init.ms + p.ms, summary };
}

/** The gate: the built CLI on the binary saved plan, in the stack directory (it runs terraform show there), as a pipeline does. */
export async function validate(
  planFile: string,
  env: NodeJS.ProcessEnv,
  options: { format?: "text" | "json"; config?: string } = {},
): Promise<StepResult> {
  const args = [
    CLI,
    "validate",
    basename(planFile),
    "--format",
    options.format ?? "text",
    ...(options.config ? ["--config", options.config] : []),
  ];
  const r = await run(process.execPath, args, dirname(planFile), { ...env, NO_COLOR: "1" });
  if (r.status === 2) throw new Error(`ddb-guardrails validate could not evaluate the plan: ${r.stderr.trim()}`);
  return r;
}

export function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Applies the saved plan only if its bytes are the ones the gate validated. */
export async function applySavedPlan(
  planFile: string,
  validatedSha256: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<StepResult & { summary: string }> {
  const now = sha256(planFile);
  if (now !== validatedSha256)
    throw new Error(`refusing to apply: ${planFile} changed after validation (${now} != ${validatedSha256})`);
  const r = await must("terraform apply", run("terraform", ["apply", "-input=false", "-no-color", planFile], dir, env));
  return { ...r, summary: /^Apply complete!.*$/m.exec(r.stdout)?.[0] ?? "" };
}

/** terraform destroy; its exit status is returned, not thrown: what stays (a locked archive) is the caller's to judge. */
export async function destroy(dir: string, env: NodeJS.ProcessEnv): Promise<StepResult & { summary: string }> {
  // The state was written moments ago by this run: no refresh needed.
  const r = await run(
    "terraform",
    ["destroy", "-auto-approve", "-input=false", "-no-color", "-refresh=false"],
    dir,
    env,
  );
  return { ...r, summary: /^Destroy complete!.*$/m.exec(r.stdout)?.[0] ?? "" };
}

interface StateResource {
  address: string;
  type: string;
  values: Record<string, unknown>;
}

/** Every managed resource in the applied state (identifiers only; the facts are read back through the SDK). */
export async function appliedResources(dir: string, env: NodeJS.ProcessEnv): Promise<StateResource[]> {
  const r = await must("terraform show", run("terraform", ["show", "-json", "-no-color"], dir, env));
  const out: StateResource[] = [];
  const walk = (m: { resources?: Array<StateResource & { mode: string }>; child_modules?: unknown[] } | undefined) => {
    for (const res of m?.resources ?? []) if (res.mode === "managed") out.push(res);
    for (const c of (m?.child_modules ?? []) as (typeof m)[]) walk(c);
  };
  walk(JSON.parse(r.stdout).values?.root_module);
  return out;
}

/** What the synthesized stack leaves out in emulator mode, read from the synthesized JSON itself. */
export function emulatorOmissions(dir: string): {
  contributorInsights: boolean;
  replicas: boolean;
  trailsNotLogging: string[];
  tables: string[];
} {
  type Resources = Record<string, Record<string, { replica?: unknown; enable_logging?: unknown }>>;
  const doc = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as { resource?: Resources };
  const of = (type: string) => Object.entries(doc.resource?.[type] ?? {});
  return {
    contributorInsights: of("aws_dynamodb_contributor_insights").length > 0,
    replicas: of("aws_dynamodb_table").some(([, t]) =>
      Array.isArray(t.replica) ? t.replica.length > 0 : t.replica !== undefined,
    ),
    trailsNotLogging: of("aws_cloudtrail")
      .filter(([, t]) => t.enable_logging === false)
      .map(([name]) => `aws_cloudtrail.${name}`),
    tables: of("aws_dynamodb_table").map(([name]) => `aws_dynamodb_table.${name}`),
  };
}
