import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  buildSourceModel,
  GuardrailsError,
  hasTerraformSource,
  hcl2json,
  isCached,
  parsePlan,
  planChecks,
  preparePlan,
  priorPlan,
  readPlan,
  readPlanDeferringChecks,
  type Plan,
  type PlanLimits,
  type PreparedPlan,
  type SourceLimits,
  type SourceModel,
  WaiverCommentError,
} from "../engine";
import { withPrivateDir } from "./interrupt";
import { cdktfLocations, hclLocations, type Locations } from "./locations";
import type { Progress } from "../cli/progress";
import { SealedPlan } from "./sealed-plan";
import { planDirectory, run, showPlan, showSavedPlan } from "./terraform";

/**
 * A plan to validate, and where its resources are written. The plan is kept only as the policy input
 * (with what the Terraform source behind it adds): the parsed plan is garbage before evaluation starts,
 * but for a plan whose checks the evaluation makes (readPlanDeferringChecks).
 */
export interface PlanSource {
  readonly prepared: PreparedPlan;
  readonly locations: Locations;
  /** Addresses of the resources the plan creates, updates, deletes or replaces (--changed-only). */
  readonly changed: ReadonlySet<string>;
  /**
   * The plan as its prior state (priorPlan), when the access before the change is asked for; null when
   * the plan has none (it creates everything), so nothing had access before.
   */
  readonly prior?: PreparedPlan | null;
}

/** The PlanSource of a parsed plan: its locations, and its source model when the source is at hand. */
export async function planSource(
  plan: Plan,
  locations: Locations,
  sourceDir?: string,
  limits: InputLimits = {},
  prior = false,
): Promise<PlanSource> {
  return {
    prepared: preparePlan(plan, await sourceModel(sourceDir, plan, limits)),
    locations,
    changed: changedAddresses(plan),
    // The prior state has no source model: its Terraform source is the change's, not the applied one's.
    ...(prior ? { prior: hasPriorState(plan) ? preparePlan(priorPlan(plan)) : null } : {}),
  };
}

function hasPriorState(plan: Plan): boolean {
  return (plan.resource_changes ?? []).some((rc) => rc.change.before != null);
}

function changedAddresses(plan: Plan): Set<string> {
  const changes = (plan.resource_changes ?? []).filter((rc) =>
    rc.change.actions.some((a) => a === "create" || a === "update" || a === "delete"),
  );
  return new Set(changes.map((rc) => rc.address));
}

/** The plan's limits; --max-bytes and --timeout bound the reading of the Terraform source as well. */
export type InputLimits = PlanLimits & SourceLimits;

export interface InputOptions {
  readonly stack?: string;
  /** Directory of the .tf files (or cdk.tf.json) behind a plan file. @default the plan file's directory */
  readonly sourceDir?: string;
  readonly progress: Progress;
  readonly limits?: InputLimits;
  /** Prepare the plan's prior state too (PlanSource.prior). @default false */
  readonly prior?: boolean;
}

/** What a directory holds, decided by its marker files. */
export type Workdir =
  | { kind: "cdktf-app"; dir: string }
  | { kind: "cdktf-out"; dir: string }
  | { kind: "terraform"; dir: string; entryFile?: string; appDir?: string; stack?: string };

function classify(dir: string): Workdir {
  if (existsSync(join(dir, "cdktf.json"))) return { kind: "cdktf-app", dir };
  if (existsSync(join(dir, "manifest.json")) && existsSync(join(dir, "stacks"))) return { kind: "cdktf-out", dir };
  const names = readdirSync(dir);
  if (names.some((n) => n.endsWith(".tf") || n.endsWith(".tf.json"))) return { kind: "terraform", dir };
  throw new GuardrailsError(
    `${dir}: is a directory without .tf files, cdk.tf.json or cdktf.json; expected a Terraform or CDKTF project`,
  );
}

/**
 * Reads a plan from a JSON file, "-", a binary saved plan, a Terraform directory (init + plan here),
 * a CDKTF app (synth, then plan the stack) or a synthesized cdktf.out / stack directory.
 */
export async function loadInput(input: string, options: InputOptions): Promise<PlanSource> {
  if (input === "-") {
    startSourceReader(options.sourceDir);
    const plan = readPlan("-", options.limits);
    return planSource(plan, sourceLocations(options.sourceDir, plan), options.sourceDir, options.limits, options.prior);
  }
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(input);
  } catch {
    throw new GuardrailsError(`${input}: no such file or directory`);
  }
  if (!stat.isDirectory()) {
    if (/\.tf$/.test(input))
      throw new GuardrailsError(
        `${input}: is Terraform source, not a plan; pass its directory (${dirname(input)}) to plan and validate it`,
      );
    const dir = options.sourceDir ?? dirname(input);
    startSourceReader(dir);
    const plan = readPlanDeferringChecks(input, options.limits, showSavedPlan);
    try {
      return await planSource(plan, sourceLocations(dir, plan), dir, options.limits, options.prior);
    } catch (err) {
      planChecks(plan)?.now(); // a plan that fails its checks is refused for that, not for what failed on it
      throw err;
    }
  }
  SealedPlan.assertAvailable(); // before any synth or plan: the plan could not be shown from a sealed copy
  const target = await stackDirectory(resolve(input), options);
  startSourceReader(target.dir);
  return withPrivateDir("ddb-guardrails-", async (planDir) => {
    const planFile = join(planDir, "tfplan");
    const label = relative(process.cwd(), target.dir) || ".";
    await options.progress.step(`terraform init and plan in ${label}`, () =>
      planDirectory(target.dir, planFile, label),
    );
    const sealed = SealedPlan.seal(planFile);
    let json: string;
    try {
      json = await options.progress.step("terraform show -json", () =>
        showPlan(target.dir, sealed, label, options.limits?.maxBytes),
      );
    } finally {
      sealed.close();
    }
    const plan = parsePlan(json, `plan of ${label}`, options.limits);
    return planSource(plan, workdirLocations(target, plan), target.dir, options.limits, options.prior);
  });
}

/**
 * Starts the HCL parser's runtime while the plan is read or planned, when there is source to read after
 * that the parse cache does not hold (its root module's files, at least).
 */
function startSourceReader(dir: string | undefined): void {
  if (dir && hasTerraformSource(dir) && !isCached(dir)) hcl2json();
}

/** The source model of the Terraform (or CDKTF cdk.tf.json) source in a directory, if it holds any. */
async function sourceModel(
  dir: string | undefined,
  plan: Plan,
  limits: SourceLimits,
): Promise<SourceModel | undefined> {
  if (!dir || !hasTerraformSource(dir)) return undefined;
  try {
    return await buildSourceModel(dir, plan, limits);
  } catch (err) {
    // A waiver comment's error names its file and line already.
    if (err instanceof WaiverCommentError) throw err;
    throw new GuardrailsError(
      `${dir}: the Terraform source could not be read (${(err as Error).message.split("\n")[0]})`,
    );
  }
}

/** Synthesizes when given a CDKTF app and picks the stack: the directory terraform runs in. */
export async function stackDirectory(
  dir: string,
  options: { stack?: string; progress: Progress },
): Promise<Extract<Workdir, { kind: "terraform" }>> {
  const found = classify(dir);
  if (found.kind === "terraform") {
    if (options.stack)
      throw new GuardrailsError(`--stack ${options.stack}: ${dir} is a Terraform directory, not a CDKTF app`);
    return found;
  }
  if (found.kind === "cdktf-out") return pickStack(dir, options.stack);
  const app = readCdktfJson(dir);
  const outdir = resolve(dir, app.output ?? "cdktf.out");
  await options.progress.step(`cdktf synth (${app.app})`, () =>
    run("sh", ["-c", app.app], {
      cwd: dir,
      env: { CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify(app.context ?? {}) },
      what: `synth of the CDKTF app in ${relative(process.cwd(), dir) || "."} (${app.app})`,
    }),
  );
  return { ...pickStack(outdir, options.stack), appDir: dir, entryFile: entryFile(dir, app.app) };
}

interface CdktfJson {
  app: string;
  output?: string;
  context?: Record<string, unknown>;
}

function readCdktfJson(dir: string): CdktfJson {
  const file = join(dir, "cdktf.json");
  let value: Partial<CdktfJson>;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new GuardrailsError(`${file}: is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value.app !== "string" || value.app.trim() === "")
    throw new GuardrailsError(`${file}: has no "app" command to synthesize with`);
  return value as CdktfJson;
}

/** The stack directory in a cdktf.out folder: --stack, or the only stack. */
function pickStack(outdir: string, stack?: string): Extract<Workdir, { kind: "terraform" }> {
  let manifest: { stacks?: Record<string, { workingDirectory?: string }> };
  try {
    manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  } catch {
    throw new GuardrailsError(`${outdir}: has no readable manifest.json (did the synth run?)`);
  }
  const names = Object.keys(manifest.stacks ?? {}).sort();
  if (names.length === 0) throw new GuardrailsError(`${outdir}: the app synthesized no stack`);
  const name = stack ?? (names.length === 1 ? names[0] : undefined);
  if (!name)
    throw new GuardrailsError(`the app has ${names.length} stacks (${names.join(", ")}); pick one with --stack`);
  const entry = manifest.stacks?.[name];
  if (!entry) throw new GuardrailsError(`--stack ${name}: no such stack (stacks: ${names.join(", ")})`);
  return { kind: "terraform", dir: join(outdir, entry.workingDirectory ?? join("stacks", name)), stack: name };
}

/** The source file named in the app command ("npx ts-node main.ts" -> main.ts), if it exists. */
function entryFile(dir: string, command: string): string | undefined {
  const file = command.split(/\s+/).find((word) => /\.(ts|js|mjs|cjs|py|go|java|cs)$/.test(word));
  return file && existsSync(join(dir, file)) ? join(dir, file) : undefined;
}

function workdirLocations(target: Extract<Workdir, { kind: "terraform" }>, plan: Plan): Locations {
  const stackJson = join(target.dir, "cdk.tf.json");
  if (existsSync(stackJson)) return cdktfLocations(stackJson, target.entryFile);
  return hclLocations(plan, target.dir);
}

/** Locations for a plan file: from the .tf files or the synthesized stack in its source directory. */
function sourceLocations(dir: string | undefined, plan?: Plan): Locations {
  if (!dir || !plan || !existsSync(dir)) return new Map();
  if (existsSync(join(dir, "cdk.tf.json"))) return cdktfLocations(join(dir, "cdk.tf.json"));
  return hclLocations(plan, dir);
}
