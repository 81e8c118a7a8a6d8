import { spawn } from "node:child_process";
import { GuardrailsError } from "../engine";
import { childEnded, childStarted, wasInterrupted } from "./interrupt";

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Copy the child's output to our stderr as it comes (apply), instead of only keeping it. */
  readonly stream?: boolean;
  /** What is being done, for error messages ("terraform plan in cdktf.out/stacks/app"). */
  readonly what: string;
  /** What an interruption leaves behind. @default "nothing was applied" */
  readonly whenInterrupted?: string;
}

/**
 * The terraform binary (or OpenTofu's tofu): --terraform-bin, which sets $DDB_GUARDRAILS_TERRAFORM,
 * else $TERRAFORM, else terraform on PATH (the same rule as reading a saved plan).
 */
export function terraformBinary(): string {
  return process.env.DDB_GUARDRAILS_TERRAFORM || process.env.TERRAFORM || "terraform";
}

/**
 * Runs a command to completion. Ctrl-C is left to the child (see interrupt.ts); we wait for it and
 * then fail, so nothing after an interrupted step ever runs.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const interruptedError = () => new GuardrailsError(`${options.what}: interrupted; ${options.whenInterrupted ?? "nothing was applied"}`);
    if (wasInterrupted()) return reject(interruptedError());
    childStarted();
    let ended = false;
    const done = () => {
      if (!ended) childEnded();
      ended = true;
    };
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { CHECKPOINT_DISABLE: "1", ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => {
      out.push(b);
      if (options.stream) process.stderr.write(b);
    });
    child.stderr.on("data", (b: Buffer) => {
      err.push(b);
      if (options.stream) process.stderr.write(b);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      done();
      reject(
        e.code === "ENOENT"
          ? new GuardrailsError(`${command} is not installed (not found on PATH); it is needed for ${options.what}`)
          : new GuardrailsError(`${options.what}: cannot run ${command}: ${e.message}`),
      );
    });
    child.on("close", (code, signal) => {
      done();
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (wasInterrupted() || signal) return reject(interruptedError());
      if (code !== 0) {
        const line = errorLine(stderr || stdout);
        // The one case where terraform asks a question we must not answer for the user.
        const hint = /Backend configuration changed/.test(line) ? ` (run "terraform init -reconfigure" or "-migrate-state" in ${options.cwd} yourself)` : "";
        return reject(new GuardrailsError(`${options.what} failed: ${line}${hint}`));
      }
      resolve({ stdout, stderr });
    });
  });
}

/**
 * The child's own error, on one line: terraform's "Error: <summary> (on main.tf line 3): <its
 * explanation>", else the first "SomethingError: ..." line (a crashing synth), else the last line of output.
 */
function errorLine(output: string): string {
  const lines = output.replace(/\u001b\[[0-9;]*m/g, "").split("\n");
  const clean = (l: string) => l.replace(/^│\s*/, "").trim();
  const at = lines.findIndex((l) => /^(│\s*)?Error: /.test(l));
  if (at !== -1) {
    const where = lines.slice(at + 1, at + 4).map(clean).find((l) => /^on .+ line \d+/.test(l));
    const detail = diagnosticDetail(lines.slice(at + 1).map(clean));
    return clean(lines[at]) + (where ? ` (${where.replace(/:$/, "").replace(/, in .*$/, "")})` : "") + (detail ? `: ${detail}` : "");
  }
  const thrown = lines.find((l) => /^\s*([A-Za-z]*Error|[A-Za-z]*Exception)\b:/.test(l));
  if (thrown) return thrown.trim();
  return lines.map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l)).slice(-1)[0] ?? "no output";
}

const DETAIL_MAX = 400;

/**
 * The first paragraph of a diagnostic's explanation (where terraform says why: "could not connect to
 * registry.terraform.io ..."), skipping the "on main.tf line 3" block and its source excerpt.
 */
function diagnosticDetail(body: readonly string[]): string {
  const end = body.findIndex((l) => l.startsWith("╵") || l.startsWith("Error: "));
  const paragraphs: string[][] = [[]];
  for (const line of end === -1 ? body : body.slice(0, end)) {
    if (line === "") paragraphs.push([]);
    else paragraphs[paragraphs.length - 1].push(line);
  }
  const explanation = paragraphs.find((p) => p.length > 0 && !/^on .+ line \d+/.test(p[0]));
  const text = (explanation ?? []).join(" ").replace(/\s+/g, " ");
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

/** terraform init + plan -out, then show -json of exactly that saved plan. */
export async function planDirectory(dir: string, planFile: string, label: string): Promise<void> {
  const tf = terraformBinary();
  await run(tf, ["init", "-input=false", "-no-color"], { cwd: dir, what: `terraform init in ${label}` });
  await run(tf, ["plan", "-input=false", "-no-color", `-out=${planFile}`], { cwd: dir, what: `terraform plan in ${label}` });
}

export async function showPlan(dir: string, planFile: string, label: string): Promise<string> {
  return (await run(terraformBinary(), ["show", "-json", "-no-color", planFile], { cwd: dir, what: `terraform show -json in ${label}` })).stdout;
}
