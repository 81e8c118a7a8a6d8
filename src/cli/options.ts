// The options several commands share (validate, deploy, baseline write, serve): each flag, its parser and
// its default written once. Every function returns a fresh Option, as commander keeps the instance it is
// given; a command that words an option for its own case passes the description.
import { InvalidArgumentError, Option } from "commander";
import { checkMemoryLimit, DEFAULT_TIMEOUT_SECONDS, MAX_MEMORY_MIB, SEVERITIES } from "../engine";

export const positiveInteger = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return Number(value);
};

/** Refused while parsing, before anything runs: every value accepted here works. */
const memoryMiB = (value: string): number => {
  const mib = positiveInteger(value);
  try {
    checkMemoryLimit(mib);
  } catch {
    throw new InvalidArgumentError(`expected 2 to ${MAX_MEMORY_MIB} (MiB), got "${value}"`);
  }
  return mib;
};

export const positiveSeconds = (value: string): number => {
  if (!/^\d*\.?\d+$/.test(value) || Number(value) <= 0)
    throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  return Number(value);
};

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

export const configOption = (
  description = "project config with parameters, severity overrides and waivers (default: .ddb-guardrails.yml, .yaml or .json in the current directory)",
) => new Option("-c, --config <file>", description);

export const failOnOption = () =>
  new Option("--fail-on <severity>", "lowest severity of an unwaived finding that fails the run")
    .choices(SEVERITIES)
    .default("low");

export const rulesOption = () =>
  new Option("--rules <ids>", "only these rules: rule ids or guardrails, comma-separated (repeatable)").argParser(list);

export const skipRulesOption = () =>
  new Option(
    "--skip-rules <ids>",
    "leave out these rules: rule ids or guardrails, comma-separated (repeatable)",
  ).argParser(list);

export const stackOption = () => new Option("--stack <name>", "the CDKTF stack to plan when the app has several");

export const sourceOption = (description: string) => new Option("--source <dir>", description);

export const maxBytesOption = (description = "largest plan accepted (default 256 MiB)") =>
  new Option("--max-bytes <bytes>", description).argParser(positiveInteger);

export const maxDepthOption = () =>
  new Option("--max-depth <n>", "deepest JSON nesting accepted in a plan (default 100)").argParser(positiveInteger);

/** `threads`: how the command's evaluation threads share the ceiling, as its help says it. */
export const maxMemoryOption = (threads: string) =>
  new Option(
    "--max-memory <MiB>",
    `most memory the process may hold: a plan is refused before parsing when what the process holds and what its objects and arrays need at the least come to more, and the policy engine gets what is left once the plan is read${threads}; 2 to ${MAX_MEMORY_MIB} (default 2048)`,
  ).argParser(memoryMiB);

/** `limits`: what the command's wall-clock limit covers. */
export const timeoutOption = (limits: string) =>
  new Option("--timeout <seconds>", `wall-clock limit of ${limits} (default ${DEFAULT_TIMEOUT_SECONDS})`).argParser(
    positiveSeconds,
  );

export const terraformBinOption = (
  description = "the terraform binary to run (default: $DDB_GUARDRAILS_TERRAFORM, else terraform)",
) => new Option("--terraform-bin <path>", description);

export const jobsOption = (description: string) => new Option("--jobs <n>", description).argParser(positiveInteger);

export const verificationKeyOption = (description = "public key of whoever signed the policy bundle (opa sign)") =>
  new Option("--verification-key <pem>", description);

export const quietOption = (description = "no progress or notes on stderr (errors still)") =>
  new Option("-q, --quiet", description);

export const verboseOption = () => new Option("--verbose", "timings of each step on stderr");

export const debugOption = () => new Option("--debug", "stack traces on errors");
