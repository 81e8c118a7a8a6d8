import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { DEFAULT_LIMITS, GuardrailsError } from "../engine";
import { childEnded, childStarted, forwardSignals, interruptSignal, wasInterrupted } from "./interrupt";
import { SealedPlan } from "./sealed-plan";

/**
 * The terraform binary (or OpenTofu's tofu) every step runs: --terraform-bin, which sets
 * $DDB_GUARDRAILS_TERRAFORM, else $TERRAFORM, else terraform on PATH.
 */
export function terraformBinary(): string {
  return process.env.DDB_GUARDRAILS_TERRAFORM || process.env.TERRAFORM || "terraform";
}

/**
 * Converts a binary saved plan with the terraform on PATH (or $DDB_GUARDRAILS_TERRAFORM, $TERRAFORM: e.g.
 * tofu). terraform reads it with
 * the providers of an initialized working directory: the plan's own folder when it has one
 * (`terraform plan -out tfplan` leaves it there), else the current folder.
 */
export function showSavedPlan(file: string, maxBytes: number = DEFAULT_LIMITS.maxBytes): string {
  const terraform = terraformBinary();
  const planDir = dirname(resolve(file));
  const cwd = existsSync(join(planDir, ".terraform")) ? planDir : process.cwd();
  try {
    return execFileSync(terraform, ["show", "-json", "-no-color", resolve(file)], {
      cwd,
      encoding: "utf8",
      maxBuffer: maxBytes, // past it terraform is killed and the read fails (ENOBUFS)
      stdio: ["ignore", "pipe", "pipe"],
      env: { CHECKPOINT_DISABLE: "1", ...process.env },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new GuardrailsError(
        `${file}: is a binary saved plan, and ${terraform} is not installed (not found on PATH) to read it: install it, or name the binary with --terraform-bin (or DDB_GUARDRAILS_TERRAFORM)`,
      );
    if (e.code === "ENOBUFS")
      throw new GuardrailsError(
        `${file}: terraform show -json output is larger than the limit of ${maxBytes} bytes (--max-bytes)`,
      );
    // terraform's whole diagnostic on one line: its last line alone cuts the provider name in half
    const detail =
      (e.stderr ?? "")
        .replace(/\u001b\[[0-9;]*m|[│╷╵]/g, "")
        .replace(/\s+/g, " ")
        .trim() || e.message;
    // Reading a saved plan needs the providers it was planned with, installed where terraform runs.
    const fix = /unavailable provider|plugin schemas|terraform init|tofu init/i.test(detail)
      ? `; run "${basename(terraform)} init" in ${planDir} (a saved plan is read with the providers of an initialized folder) and validate again`
      : "";
    throw new GuardrailsError(`${file}: ${basename(terraform)} show -json failed: ${detail}${fix}`);
  }
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** What is being done, for error messages ("terraform plan in cdktf.out/stacks/app"). */
  readonly what: string;
  /** What an interruption leaves behind. @default "nothing was applied" */
  readonly whenInterrupted?: string;
  /** A descriptor the child gets as its fd 3 (a sealed saved plan, read as /dev/fd/3). */
  readonly fd3?: number;
  /** Most bytes of stdout kept: at the limit the child is killed and the step fails. */
  readonly maxStdoutBytes?: number;
}

/**
 * Runs a command to completion. Ctrl-C is left to the child (see interrupt.ts); we wait for it and
 * then fail, so nothing after an interrupted step ever runs.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const interruptedError = () =>
      new GuardrailsError(`${options.what}: interrupted; ${options.whenInterrupted ?? "nothing was applied"}`);
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
      stdio: options.fd3 === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", "pipe", "pipe", options.fd3],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let overLimit = false;
    child.stdout!.on("data", (b: Buffer) => {
      outBytes += b.length;
      if (options.maxStdoutBytes !== undefined && outBytes > options.maxStdoutBytes) {
        if (!overLimit) child.kill("SIGKILL"); // reading on would hold all of it in memory
        overLimit = true;
        return;
      }
      out.push(b);
    });
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      done();
      reject(
        e.code === "ENOENT"
          ? new GuardrailsError(
              `${command} is not installed (not found on PATH); it is needed for ${options.what}${command === terraformBinary() ? `: install it, or name the binary with --terraform-bin (or DDB_GUARDRAILS_TERRAFORM)` : ""}`,
            )
          : new GuardrailsError(`${options.what}: cannot run ${command}: ${e.message}`),
      );
    });
    child.on("close", (code, signal) => {
      done();
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (overLimit)
        return reject(
          new GuardrailsError(
            `${options.what}: output is larger than the limit of ${options.maxStdoutBytes} bytes (--max-bytes)`,
          ),
        );
      if (wasInterrupted() || signal) return reject(interruptedError());
      if (code !== 0) {
        const line = errorLine(stderr || stdout);
        // The one case where terraform asks a question we must not answer for the user.
        const hint = /Backend configuration changed/.test(line)
          ? ` (run "terraform init -reconfigure" or "-migrate-state" in ${options.cwd} yourself)`
          : "";
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
    const where = lines
      .slice(at + 1, at + 4)
      .map(clean)
      .find((l) => /^on .+ line \d+/.test(l));
    const detail = diagnosticDetail(lines.slice(at + 1).map(clean));
    return (
      clean(lines[at]) +
      (where ? ` (${where.replace(/:$/, "").replace(/, in .*$/, "")})` : "") +
      (detail ? `: ${detail}` : "")
    );
  }
  const thrownAt = lines.findIndex((l) => /^\s*([A-Za-z]*Error|[A-Za-z]*Exception)\b:/.test(l));
  if (thrownAt !== -1) {
    const thrown = lines[thrownAt].trim();
    if (!thrown.endsWith(":")) return thrown;
    // "TSError: ⨯ Unable to compile TypeScript:" names its cause on the lines below, up to the stack trace
    const below = lines.slice(thrownAt + 1);
    const trace = below.findIndex((l) => /^\s+at /.test(l));
    const cause = (trace === -1 ? below : below.slice(0, trace))
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 3);
    return [thrown, ...cause].join(" ");
  }
  return (
    lines
      .map((l) => l.trim())
      .filter((l) => l && !/^Node\.js v\d/.test(l))
      .slice(-1)[0] ?? "no output"
  );
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
  const name = basename(tf);
  await run(tf, ["init", "-input=false", "-no-color"], { cwd: dir, what: `${name} init in ${label}` });
  await run(tf, ["plan", "-input=false", "-no-color", `-out=${planFile}`], {
    cwd: dir,
    what: `${name} plan in ${label}`,
  });
}

/** show -json of the sealed saved plan, refused (and terraform stopped) past maxBytes of JSON. */
export async function showPlan(
  dir: string,
  plan: SealedPlan,
  label: string,
  maxBytes = DEFAULT_LIMITS.maxBytes,
): Promise<string> {
  const args = ["show", "-json", "-no-color", SealedPlan.CHILD_PATH];
  return (
    await run(terraformBinary(), args, {
      cwd: dir,
      what: `terraform show -json in ${label}`,
      fd3: plan.childFd,
      maxStdoutBytes: maxBytes,
    })
  ).stdout;
}

/**
 * terraform apply of the sealed saved plan, in the configuration's folder. terraform gets no pipe of
 * ours: its output goes to a file (copied to our stderr as it grows) and it runs in a process group
 * of its own, so if the gate is killed terraform finishes, writes its state and releases the lock
 * instead of dying of SIGPIPE halfway. Each SIGINT/SIGTERM to the gate is passed on to terraform,
 * which stops cleanly; the result is what terraform reported. Resolves once the plan is applied.
 */
export function applyPlan(dir: string, plan: SealedPlan, label: string, privateDir: string): Promise<void> {
  const logFile = join(privateDir, "apply.log");
  const log = openSync(logFile, "ax", 0o600);
  const what = `terraform apply in ${label}`;
  childStarted();
  const child = spawn(terraformBinary(), ["apply", "-input=false", "-no-color", SealedPlan.CHILD_PATH], {
    cwd: dir,
    env: { CHECKPOINT_DISABLE: "1", ...process.env },
    stdio: ["ignore", log, log, plan.childFd],
    detached: true,
  });
  closeSync(log);
  const copy = tail(logFile);
  const timer = setInterval(copy, 200);
  const stopForwarding = forwardSignals((signal) => child.kill(signal));
  let finished = false;
  return new Promise<void>((resolve, reject) => {
    child.on("error", (e: NodeJS.ErrnoException) => {
      finish();
      reject(
        new GuardrailsError(`${what}: cannot run ${terraformBinary()}: ${e.code ?? e.message}; nothing was applied`),
      );
    });
    child.on("close", (code, signal) => {
      finish();
      const output = readFileSync(logFile, "utf8");
      const complete = /^Apply complete!.*$/m.exec(output)?.[0];
      const interrupted = interruptSignal();
      if (code === 0 && interrupted) {
        const reported = complete ?? "success";
        process.stderr.write(
          `ddb-guardrails: interrupted (${interrupted}) after terraform had applied the plan; terraform reported: ${reported}\n`,
        );
      }
      if (code === 0) return resolve();
      const reason = signal ? `terraform was killed (${signal})` : errorLine(output);
      const state = "the state keeps what terraform had done; run deploy again";
      if (interrupted)
        return reject(
          new GuardrailsError(
            `${what}: interrupted (${interrupted}); terraform stopped the apply: ${reason}; ${state}`,
          ),
        );
      reject(new GuardrailsError(`${what} failed: ${reason}; ${state}`));
    });
  });

  function finish(): void {
    if (finished) return; // a child that fails to start may report both "error" and "close"
    finished = true;
    clearInterval(timer);
    copy();
    stopForwarding();
    childEnded();
  }
}

/** Copies what was added to a file since the last call to our stderr. */
function tail(file: string): () => void {
  let position = 0;
  return () => {
    const fd = openSync(file, "r");
    try {
      const chunk = Buffer.alloc(64 * 1024);
      for (let n: number; (n = readSync(fd, chunk, 0, chunk.length, position)) > 0; position += n) {
        process.stderr.write(Buffer.from(chunk.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
  };
}
