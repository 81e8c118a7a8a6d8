#!/usr/bin/env node
import "./crash";
import "./prestart";
import { readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  addressSpaceError,
  applyBaseline,
  type AccessMap,
  type Baseline,
  baselineOf,
  checkBaselineTerms,
  DEFAULT_MAX_MEMORY_MIB,
  DEFAULT_TIMEOUT_SECONDS,
  GuardrailsError,
  hasTerraformSource,
  loadBaseline,
  loadProjectConfig,
  packageVersion,
  type Report,
  type Severity,
} from "../engine";
import { deploy } from "../runner/deploy";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes";
import { rulesDocUrl } from "./docs-url";
import { FORMAT_NAMES, type FormatContext } from "./formatters";
import { COMMANDS_RULE, openGate, type Gate } from "../runner/gate";
import { handleInterrupts, onStopSignal } from "../runner/interrupt";
import { startRunTaskServer } from "../runner/run-task";
import { loadInput, type PlanSource } from "../runner/inputs";
import { Progress } from "./progress";
import { allPassed, combinedFormatters, displayInput, expandInputs, type PlanRun } from "./multi";
import { resolveTargets, targetCollector, writeRendered, writeReports, type ReportTarget } from "./report";
import { accessDiff, changedOnlyNote, changedOnlyView, withAccessDiff } from "./review";
import { writeOutputFile } from "./output-file";
import {
  configOption,
  debugOption,
  failOnOption,
  jobsOption,
  maxBytesOption,
  maxDepthOption,
  maxMemoryOption,
  positiveSeconds,
  quietOption,
  rulesOption,
  skipRulesOption,
  sourceOption,
  stackOption,
  terraformBinOption,
  timeoutOption,
  verboseOption,
  verificationKeyOption,
} from "./options";

/** Exit codes: 0 passed, 1 unwaived findings at or above --fail-on, 2 the tool could not do its job. */
type ValidateOptions = CommonOptions & ReviewOptions & { source?: string; sourceDir?: string; jobs?: number };

/** The review of a change in a pull request (validate of one plan). */
interface ReviewOptions {
  baseline?: string;
  changedOnly?: boolean;
  failOnChangedOnly?: boolean;
  /** false with --no-access-map. */
  accessMap?: boolean;
  failOnNewAccess?: boolean;
}

interface CommonOptions {
  /** The same list under both names (see targetCollector). */
  format?: ReportTarget[];
  output?: ReportTarget[];
  config?: string;
  failOn: Severity;
  rules?: string[];
  skipRules?: string[];
  stack?: string;
  quiet?: boolean;
  compact?: boolean;
  verbose?: boolean;
  debug?: boolean;
  maxBytes?: number;
  maxDepth?: number;
  maxMemory?: number;
  timeout?: number;
  verificationKey?: string;
  terraformBin?: string;
}

function withCommonOptions(command: Command): Command {
  const targets = targetCollector();
  return command
    .option(
      "-f, --format <format>",
      `report format: ${FORMAT_NAMES.join(", ")} (repeatable, each with its own --output; default text)`,
      targets.format,
    )
    .option(
      "-o, --output <file>",
      "write the report of the preceding --format to a file instead of stdout",
      targets.output,
    )
    .addOption(configOption())
    .addOption(failOnOption())
    .addOption(rulesOption())
    .addOption(skipRulesOption())
    .addOption(stackOption())
    .addOption(maxBytesOption())
    .addOption(maxDepthOption())
    .addOption(maxMemoryOption(", shared by its evaluation threads (--jobs)"))
    .addOption(timeoutOption("reading the Terraform source, and of the policy evaluation"))
    .addOption(
      terraformBinOption(
        "the terraform binary to run, e.g. tofu for OpenTofu (default: $DDB_GUARDRAILS_TERRAFORM, else terraform)",
      ),
    )
    .addOption(
      verificationKeyOption(
        "public key of whoever signed the policy bundle (opa sign); the bundle's signatures must verify",
      ),
    )
    .addOption(quietOption())
    .option("--compact", "text report: one line per finding, without the fix under it")
    .addOption(verboseOption())
    .addOption(debugOption());
}

const NO_ACCESS: AccessMap = { tables: [], any_table: { principals: [], unprovable: [] } };

/** The report, with the access the change adds when the plan's prior state was prepared (PlanSource.prior). */
async function withNewAccess(gate: Gate, source: PlanSource, failOnNewAccess: boolean): Promise<Report> {
  const report = await gate.evaluate(source);
  if (source.prior === undefined || !report.access) return report;
  // No prior state: nothing existed, so nothing had access (and a second evaluation would judge nothing).
  const before =
    source.prior === null
      ? NO_ACCESS
      : (await gate.evaluate({ ...source, prepared: source.prior }, "evaluate the prior state")).access;
  if (!before) throw new GuardrailsError("the access map of the plan's prior state could not be computed");
  return withAccessDiff(report, accessDiff(before, report.access), failOnNewAccess);
}

/** The access map costs an evaluation of its own: computed only for the formats that show it. */
function showsAccess(targets: readonly ReportTarget[]): boolean {
  return targets.some((t) => t.format === "json" || t.format === "markdown");
}

/** Validates one plan, writes every requested report, prints notes; returns the report. Closes the gate. */
async function validateAndReport(
  gate: Gate,
  source: PlanSource,
  opts: CommonOptions & ReviewOptions,
  progress: Progress,
  fallbackFile?: string,
  plan?: string,
  baseline?: Baseline,
): Promise<Report> {
  const targets = resolveTargets(opts.format ?? opts.output);
  try {
    const evaluated = await withNewAccess(gate, source, opts.failOnNewAccess === true);
    // The threads' wasm memory is let go before the report is written: under --max-memory the two
    // together would be more than the process was given (100,000 findings: an 81 MB JSON report).
    await gate.close();
    const report = baseline ? applyBaseline(evaluated, baseline, opts.baseline!) : evaluated;
    const view = opts.changedOnly ? changedOnlyView(report, source.changed, opts.failOnChangedOnly === true) : report;
    const context: FormatContext = {
      locations: source.locations,
      fallbackFile,
      plan,
      ruleDocUrl: rulesDocUrl,
      compact: opts.compact,
    };
    // The whole plan's findings (JSON, JUnit, GitLab) under the verdict the exit code gives.
    const whole: Report =
      view === report
        ? report
        : { ...report, summary: { ...report.summary, passed: view.summary.passed }, review: view.review };
    writeReports(whole, gate.bundle.rules, context, targets, view);
    noteImplicitText(opts, progress);
    for (const note of report.notes ?? []) progress.note(note);
    const hidden = changedOnlyNote(view.review?.changedOnly);
    if (hidden) progress.note(hidden);
    return whole;
  } finally {
    await gate.close();
  }
}

/**
 * About the JSON of SHARD_RESOURCES resources at their smallest (a resource takes 1 KB and more): a plan
 * file this large may be split into shards, and the threads that evaluate them start while it is read
 * (about 0.15 s of the main thread's reading at 10,000 resources) instead of after.
 */
const SHARDED_PLAN_BYTES = 4 * 1024 * 1024;

function mayBeSharded(input: string): boolean {
  try {
    return statSync(input).size >= SHARDED_PLAN_BYTES;
  } catch {
    return false; // "-", or no such file (which loadInput reports)
  }
}

/**
 * Several plans in one run (monorepos): one loaded bundle and config, one combined report per format.
 * Plans are read one after another (terraform runs one at a time) and evaluated in up to --jobs worker
 * threads at once; no more plans are read ahead than there are threads, and reports keep input order.
 */
async function validateMany(inputs: readonly string[], opts: ValidateOptions, progress: Progress): Promise<boolean> {
  const targets = resolveTargets(opts.format ?? opts.output);
  const threads = opts.jobs ?? availableParallelism();
  const jobs = Math.min(inputs.length, threads);
  // Every thread, even for one plan: a large plan's shards are evaluated on all of them.
  const gate = openGate(opts, progress, threads);
  gate.start(jobs);
  const pending: Promise<PlanRun>[] = [];
  const running = new Set<Promise<unknown>>();
  let failed = false;
  const runs: PlanRun[] = [];
  try {
    for (const input of inputs) {
      while (running.size >= jobs) await Promise.race(running);
      if (failed) break; // the run fails anyway: read no further plans
      const source = await loadInput(input, {
        stack: opts.stack,
        sourceDir: opts.sourceDir,
        progress,
        limits: limits(opts),
      });
      const fallbackFile = input !== "-" && !(await isDirectory(input)) ? displayInput(input) : undefined;
      const run = gate.evaluate(source, `evaluate ${input}`).then(
        (report): PlanRun => ({
          input: displayInput(input),
          report,
          context: {
            locations: source.locations,
            fallbackFile,
            plan: displayInput(input),
            ruleDocUrl: rulesDocUrl,
            compact: opts.compact,
          },
        }),
        (err: Error) => {
          failed = true;
          // A plan refused by the checks its evaluation made: their line names the plan already, as it
          // does when they are made as the plan is read.
          source.prepared.checks?.now();
          throw err instanceof GuardrailsError ? new GuardrailsError(`${displayInput(input)}: ${err.message}`) : err;
        },
      );
      const settled: Promise<unknown> = run.then(
        () => running.delete(settled),
        () => running.delete(settled),
      );
      running.add(settled);
      pending.push(run);
    }
    // In input order: the error of the first plan that failed, whichever finished first.
    for (const run of pending) runs.push(await run);
  } finally {
    await gate.close(); // stops evaluations still under way when a plan failed
  }
  for (const run of runs) for (const note of run.report.notes ?? []) progress.note(`${run.input}: ${note}`);
  writeRendered(targets, (format, style) => combinedFormatters[format](runs, gate.bundle.rules, style));
  noteImplicitText(opts, progress);
  return allPassed(runs);
}

/** An -o without its own -f writes text: say so, as nothing else would show where the report went. */
function noteImplicitText(opts: CommonOptions, progress: Progress): void {
  for (const t of opts.format ?? opts.output ?? []) {
    if (t.output && !t.format) progress.note(`text report written to ${t.output} (no --format given for it)`);
  }
}

/** --terraform-bin is the environment variable: every terraform call (and reading a saved plan) uses it. */
function useTerraformBinary(opts: Pick<CommonOptions, "terraformBin">): void {
  if (opts.terraformBin) process.env.DDB_GUARDRAILS_TERRAFORM = opts.terraformBin;
}

const limits = (opts: Pick<CommonOptions, "maxBytes" | "maxDepth" | "maxMemory" | "timeout">) => ({
  maxBytes: opts.maxBytes,
  maxDepth: opts.maxDepth,
  // --max-memory bounds the whole process: reading the plan is checked against it too.
  maxMemoryMiB: opts.maxMemory ?? DEFAULT_MAX_MEMORY_MIB,
  timeoutSeconds: opts.timeout,
});

function program(): Command {
  const cli = new Command("ddb-guardrails")
    .description(
      "Validate Terraform and CDKTF plans against DynamoDB security guardrails (encryption, endpoint, FGAC, recovery, audit), in pull requests and before apply.",
    )
    .version(packageVersion())
    .exitOverride()
    // Usage errors in the same one-line form as every other error (exit 2), with a pointer to --help.
    .configureOutput({
      outputError: (message, write) =>
        write(`ddb-guardrails: ${message.trim().replace(/\s*\n\s*/g, " ")} (see --help)\n`),
    })
    .addHelpText(
      "after",
      `\nRun "ddb-guardrails <command> --help" for a command's options and examples.\n${EXIT_CODES_HELP}`,
    );

  withCommonOptions(
    cli
      .command("validate")
      .description(
        "Validate a plan: a plan JSON file (terraform show -json), - for stdin, a binary saved plan, a Terraform directory (runs init and plan), or a CDKTF app / cdktf.out / stack directory (synthesizes, then plans).",
      )
      .argument(
        "<inputs...>",
        "plan JSON, -, saved plan, Terraform directory, CDKTF app or synthesized stack directory; several, a glob or a directory of stacks give one combined report",
      )
      .addOption(
        sourceOption(
          "the Terraform source behind a plan file: locals, dynamic blocks, module defaults and file:line locations the plan lacks (default: the plan file's directory when it holds .tf files)",
        ),
      )
      .option("--source-dir <dir>", "the same as --source")
      .addOption(
        jobsOption(
          "worker threads evaluating plans (several plans) or a large plan's shards at once, sharing --max-memory (default: the number of CPUs)",
        ),
      )
      .option(
        "--baseline <file>",
        "findings recorded by `baseline write` are reported as inherited and fail nothing; only new ones fail",
      )
      .option(
        "--changed-only",
        "text, Markdown and SARIF show only findings on resources the plan creates, updates or deletes (or whose evidence passes through one); the exit code still covers the whole plan",
      )
      .option("--fail-on-changed-only", "with --changed-only: the exit code covers only the findings shown")
      .option("--no-access-map", "JSON and Markdown without the access map, which is then not computed")
      .option(
        "--fail-on-new-access",
        "exit 1 when the change gives a principal access to a table it did not have, beyond reading its own partition",
      ),
  )
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  ddb-guardrails validate plan.json
  terraform show -json tfplan | ddb-guardrails validate -
  ddb-guardrails validate tfplan --source infra/
  ddb-guardrails validate infra/                       # terraform init + plan, then validate
  ddb-guardrails validate . --stack snowy-sessions     # CDKTF app: synth, plan the stack, validate
  ddb-guardrails validate plan.json -f sarif -o results.sarif -f markdown -o summary.md -f text
  ddb-guardrails validate plan.json --fail-on high --skip-rules recovery
  ddb-guardrails validate 'stacks/*/plan.json' -f sarif -o results.sarif   # several plans, one report
  ddb-guardrails validate stacks/                      # each Terraform/CDKTF project under stacks/
  ddb-guardrails validate plan.json --baseline .ddb-guardrails-baseline.json --changed-only -f markdown -o comment.md

Terraform runs with your environment as it is (TF_CLI_CONFIG_FILE, credentials, backend); a
directory is planned with "terraform init -input=false" and "terraform plan -input=false".
${EXIT_CODES_HELP}`,
    )
    .action(async (inputs: string[], opts: ValidateOptions) => {
      useTerraformBinary(opts);
      const progress = new Progress(opts);
      if (opts.source !== undefined && !hasTerraformSource(opts.source)) {
        throw new GuardrailsError(`--source ${opts.source}: is not a directory with .tf or .tf.json files`);
      }
      opts.sourceDir = opts.source ?? opts.sourceDir;
      if (opts.failOnChangedOnly && !opts.changedOnly)
        throw new GuardrailsError("--fail-on-changed-only needs --changed-only");
      // Read before any plan: a malformed or expired baseline stops the run (exit 2).
      const baseline = opts.baseline === undefined ? undefined : loadBaseline(opts.baseline);
      let searched = false;
      const expanded = expandInputs(inputs, {
        deadline: Date.now() + (opts.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
        found: (dir, projects) => {
          searched = true;
          progress.note(
            `${displayInput(dir)}: found ${projects.length} project${projects.length === 1 ? "" : "s"}: ${projects.map(displayInput).join(", ")}`,
          );
        },
      });
      if (expanded.length > 1 && (opts.baseline !== undefined || opts.changedOnly || opts.failOnNewAccess)) {
        throw new GuardrailsError(
          `--baseline, --changed-only and --fail-on-new-access review one plan; ${expanded.length} were given (validate each plan on its own)`,
        );
      }
      // Projects found under a folder are named in the report too, even when there is only one.
      if (expanded.length > 1 || searched) {
        process.exitCode = (await validateMany(expanded, opts, progress)) ? EXIT.PASS : EXIT.VIOLATIONS;
        progress.total();
        return;
      }
      const input = expanded[0];
      // The worker thread starts while the plan is read and parsed here; the others too when the plan
      // file is large enough to be split into shards, else when a large plan's shards need them.
      const access =
        opts.failOnNewAccess === true ||
        (opts.accessMap !== false && showsAccess(resolveTargets(opts.format ?? opts.output)));
      const threads = opts.jobs ?? availableParallelism();
      const gate = openGate({ ...opts, access }, progress, threads);
      gate.start(mayBeSharded(input) ? threads : 1);
      let source: PlanSource;
      try {
        source = await loadInput(input, {
          stack: opts.stack,
          sourceDir: opts.sourceDir,
          progress,
          limits: limits(opts),
          prior: access,
        });
      } catch (err) {
        await gate.close();
        throw err;
      }
      const fallback =
        input !== "-" && !(await isDirectory(input)) ? relative(process.cwd(), input).split("\\").join("/") : undefined;
      const report = await validateAndReport(gate, source, opts, progress, fallback, displayInput(input), baseline);
      progress.total();
      process.exitCode = report.summary.passed ? EXIT.PASS : EXIT.VIOLATIONS;
    });

  baselineCommand(cli);
  serveCommand(cli);

  withCommonOptions(
    cli
      .command("deploy")
      .description(
        "Synthesize, plan, validate exactly that saved plan, and apply exactly that saved plan only if it passes. Replaces `cdktf deploy`; also works on a Terraform directory.",
      )
      .option("--app-dir <dir>", "the CDKTF app (with cdktf.json) or Terraform directory", ".")
      .option("--auto-approve", "apply without asking (required when there is no terminal, e.g. in CI)"),
  )
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  ddb-guardrails deploy --stack snowy-sessions
  ddb-guardrails deploy --app-dir infra/ --auto-approve --fail-on high
  ddb-guardrails deploy --stack snowy-sessions --auto-approve -f sarif -o deploy.sarif -f text

The plan is saved with "terraform plan -out" to a private temporary folder, read once and sealed in an
unlinked read-only copy that both "terraform show" and "terraform apply" read (as /dev/fd/3); its
SHA-256 is checked again right before apply. When the report fails, terraform apply is never run.
${EXIT_CODES_HELP}`,
    )
    .action(async (opts: CommonOptions & { appDir: string; autoApprove?: boolean }) => {
      useTerraformBinary(opts);
      const progress = new Progress(opts);
      resolveTargets(opts.format ?? opts.output); // bad --format/--output pairs fail before anything runs
      loadProjectConfig(opts.config);
      process.exitCode = await deploy({
        appDir: opts.appDir,
        stack: opts.stack,
        autoApprove: opts.autoApprove === true,
        limits: limits(opts),
        progress,
        validate: (source) =>
          validateAndReport(openGate({ ...opts, requiredRules: [COMMANDS_RULE] }, progress), source, opts, progress),
      });
      progress.total();
    });
  return cli;
}

type BaselineWriteOptions = Pick<
  CommonOptions,
  | "config"
  | "rules"
  | "skipRules"
  | "stack"
  | "quiet"
  | "verbose"
  | "debug"
  | "maxBytes"
  | "maxDepth"
  | "maxMemory"
  | "timeout"
  | "verificationKey"
  | "terraformBin"
> & { output: string; reason: string; expires: string; source?: string };

/** `baseline write`: the findings of a plan today, accepted with a reason until an expiry, for --baseline. */
function baselineCommand(cli: Command): void {
  const baseline = cli
    .command("baseline")
    .description("Record the findings a plan has today, so that validate --baseline fails only on new ones.")
    .exitOverride();
  baseline
    .command("write")
    .description(
      "Validate a plan (any input validate takes) and write its findings, with a reason and an expiry, to a baseline file.",
    )
    .argument("<input>", "plan JSON, -, saved plan, Terraform directory, CDKTF app or synthesized stack directory")
    .requiredOption("-o, --output <file>", "the baseline file to write (JSON)")
    .requiredOption("--reason <text>", "why these findings are accepted for now (shown with each inherited finding)")
    .requiredOption(
      "--expires <YYYY-MM-DD>",
      "last day the baseline applies; after it, validate --baseline fails (exit 2)",
    )
    .addOption(configOption("project config (default: .ddb-guardrails.yml, .yaml or .json in the current directory)"))
    .addOption(rulesOption())
    .addOption(skipRulesOption())
    .addOption(stackOption())
    .addOption(sourceOption("the Terraform source behind a plan file (as for validate)"))
    .addOption(maxBytesOption())
    .addOption(maxDepthOption())
    .addOption(maxMemoryOption(""))
    .addOption(timeoutOption("the policy evaluation"))
    .addOption(terraformBinOption())
    .addOption(verificationKeyOption())
    .addOption(quietOption())
    .addOption(verboseOption())
    .addOption(debugOption())
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  ddb-guardrails baseline write plan.json -o .ddb-guardrails-baseline.json --reason "inherited from the 2026 audit; fixes tracked in SEC-42" --expires 2027-03-31
  ddb-guardrails validate pr-plan.json --baseline .ddb-guardrails-baseline.json

Each finding is recorded with its rule, address and a fingerprint of its evidence: a different violation
at the same address is new. Waived findings are not recorded (the waiver covers them).
${EXIT_CODES_HELP}`,
    )
    .action(async (input: string, opts: BaselineWriteOptions) => {
      useTerraformBinary(opts);
      const progress = new Progress(opts);
      if (opts.source !== undefined && !hasTerraformSource(opts.source)) {
        throw new GuardrailsError(`--source ${opts.source}: is not a directory with .tf or .tf.json files`);
      }
      // The reason and expiry are checked before the plan is read: nothing is evaluated for nothing.
      checkBaselineTerms(opts.reason, opts.expires);
      const gate = openGate(opts, progress);
      gate.start(1);
      let report: Report;
      try {
        const source = await loadInput(input, {
          stack: opts.stack,
          sourceDir: opts.source,
          progress,
          limits: limits(opts),
        });
        report = await gate.evaluate(source);
      } finally {
        await gate.close();
      }
      const written = baselineOf(report, opts.reason, opts.expires);
      try {
        writeOutputFile(opts.output, `${JSON.stringify(written, null, 2)}\n`);
      } catch (err) {
        throw new GuardrailsError(
          `--output ${opts.output}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
      progress.note(
        `baseline: ${written.findings.length} finding${written.findings.length === 1 ? "" : "s"} recorded in ${opts.output} (expires ${written.expires})`,
      );
      progress.total();
    });
}

type ServeOptions = Pick<
  CommonOptions,
  | "config"
  | "failOn"
  | "rules"
  | "skipRules"
  | "maxBytes"
  | "maxDepth"
  | "maxMemory"
  | "verificationKey"
  | "quiet"
  | "debug"
> & {
  port: number;
  host: string;
  hmacKeyFile?: string;
  allowUnsigned?: boolean;
  apiUrl: string;
  timeLimit: number;
  callbackRetries: number;
  jobs?: number;
};

const portNumber = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError(`expected a port number 0 to 65535, got "${value}"`);
  return Number(value);
};

const wholeNumber = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
};

/** The origin of --api-url (HCP Terraform or a Terraform Enterprise host). */
const apiOrigin = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected a URL such as https://app.terraform.io, got "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new InvalidArgumentError(`expected an http(s) URL, got "${value}"`);
  return url.origin;
};

/** The run task's time limit is 10 minutes; the rest of it is left for sending the result. */
const DEFAULT_TIME_LIMIT_SECONDS = 540;

/** `serve`: an HCP Terraform / Terraform Enterprise run task endpoint (src/runner/run-task.ts). */
function serveCommand(cli: Command): void {
  cli
    .command("serve")
    .description(
      "Serve an HCP Terraform / Terraform Enterprise run task: verify each request's HMAC signature, fetch the run's plan JSON, validate it and send passed or failed, with a finding per outcome, to the run.",
    )
    .addOption(new Option("--port <n>", "port to listen on (0: any free port)").argParser(portNumber).default(8080))
    .option("--host <address>", "address to listen on (0.0.0.0: every interface)", "127.0.0.1")
    .option("--hmac-key-file <file>", "file holding the run task's HMAC key (a trailing newline is ignored)")
    .option("--allow-unsigned", "accept requests without X-TFC-Task-Signature (a run task created without an HMAC key)")
    .addOption(
      new Option(
        "--api-url <url>",
        "HCP Terraform or your Terraform Enterprise: the plan and callback URLs of a request must be on it, the access token is sent nowhere else",
      )
        .argParser(apiOrigin)
        .default("https://app.terraform.io"),
    )
    .addOption(
      new Option(
        "--time-limit <seconds>",
        "budget of one run from its request to its verdict (download, waiting, evaluation); past it the run fails",
      )
        .argParser(positiveSeconds)
        .default(DEFAULT_TIME_LIMIT_SECONDS),
    )
    .addOption(
      new Option(
        "--callback-retries <n>",
        "further attempts to send a result after a failed one (1 s, 2 s, 4 s... apart)",
      )
        .argParser(wholeNumber)
        .default(4),
    )
    .addOption(
      configOption(
        "project config with parameters, severity overrides and waivers, read at start (default: .ddb-guardrails.yml, .yaml or .json in the current directory)",
      ),
    )
    .addOption(failOnOption())
    .addOption(rulesOption())
    .addOption(skipRulesOption())
    .addOption(maxBytesOption("largest plan JSON downloaded (default 256 MiB)"))
    .addOption(maxDepthOption())
    .addOption(maxMemoryOption(", shared by its evaluation threads"))
    .addOption(jobsOption("plans evaluated at once (default: the number of CPUs)"))
    .addOption(verificationKeyOption())
    .addOption(quietOption("log only errors on stderr (not each run)"))
    .addOption(debugOption())
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  ddb-guardrails serve --port 8080 --hmac-key-file /run/secrets/run-task-hmac
  ddb-guardrails serve --host 0.0.0.0 --port 8080 --hmac-key-file hmac.key --fail-on high
  ddb-guardrails serve --api-url https://tfe.example.com --hmac-key-file hmac.key -c .ddb-guardrails.yml

Register https://<your host>/ as the run task's endpoint URL, with the same HMAC key, and attach it to
workspaces at the post-plan stage; the workspace's enforcement level (advisory or mandatory) decides
whether a failed result stops the run. Serve it behind TLS: requests carry the run's access token.
Each request is answered at once (200, or 4xx for a bad one, which is never judged); the result follows
by PATCH to the run's callback URL. A plan that cannot be fetched or judged in time is reported failed.
Logs go to stderr; SIGINT/SIGTERM reports the runs under way as failed and stops (exit 0). Walkthrough:
docs/run-task.md.`,
    )
    .action(async (opts: ServeOptions) => {
      const log = (line: string, error = false) => {
        if (error || !opts.quiet) process.stderr.write(`ddb-guardrails: ${error ? "error: " : ""}${line}\n`);
      };
      if (opts.hmacKeyFile === undefined && !opts.allowUnsigned)
        throw new GuardrailsError(
          "serve needs --hmac-key-file (the run task's HMAC key), or --allow-unsigned to accept requests anyone could send",
        );
      if (opts.hmacKeyFile !== undefined && opts.allowUnsigned)
        throw new GuardrailsError("--hmac-key-file and --allow-unsigned exclude each other");
      const hmacKey = opts.hmacKeyFile === undefined ? undefined : readHmacKey(opts.hmacKeyFile);
      const gate = openGate(opts, new Progress({ quiet: true }), opts.jobs ?? availableParallelism());
      gate.start(1);
      let server: Awaited<ReturnType<typeof startRunTaskServer>>;
      try {
        server = await startRunTaskServer({
          host: opts.host,
          port: opts.port,
          hmacKey,
          apiOrigin: opts.apiUrl,
          timeLimitMs: opts.timeLimit * 1000,
          callbackRetries: opts.callbackRetries,
          limits: limits(opts),
          gate,
          ruleDocUrl: rulesDocUrl,
          log,
        });
      } catch (err) {
        await gate.close();
        throw err;
      }
      // Printed even when quiet: it says where the endpoint is (with --port 0, which port it got).
      process.stderr.write(
        `ddb-guardrails: serving run tasks on ${server.url} for ${opts.apiUrl} (${hmacKey ? "HMAC signatures required" : "unsigned requests allowed"})\n`,
      );
      await new Promise<void>((resolve) =>
        onStopSignal((signal) => {
          log(`stopping (${signal}): runs under way are reported failed`);
          void server
            .stop(`the ddb-guardrails server stopped (${signal}) before the plan was judged`)
            .then(() => gate.close())
            .then(resolve);
        }),
      );
      log("stopped");
    });
}

function readHmacKey(file: string): Buffer {
  let key: string;
  try {
    key = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    throw new GuardrailsError(
      `--hmac-key-file ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (key === "") throw new GuardrailsError(`--hmac-key-file ${file}: is empty`);
  return Buffer.from(key, "utf8");
}

async function isDirectory(path: string): Promise<boolean> {
  const { stat } = await import("node:fs/promises");
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function run(argv: string[]): Promise<void> {
  handleInterrupts();
  try {
    await program().parseAsync(argv);
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith("commander.")) {
      // help and version exit 0; usage errors were already printed by commander
      process.exitCode = e.exitCode === 0 ? EXIT.PASS : EXIT.ERROR;
      return;
    }
    const known = addressSpaceError(err) ?? (err instanceof GuardrailsError ? err : undefined);
    const message = known ? known.message : `internal error: ${e.message}`;
    process.stderr.write(`ddb-guardrails: error: ${message.split("\n")[0]}\n`);
    if (argv.includes("--debug") && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = EXIT.ERROR;
  }
}

if (require.main === module) void run(process.argv);
