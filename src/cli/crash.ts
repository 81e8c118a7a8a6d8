// Imported first by main.ts, so it is in place before any other module loads: a crash anywhere (a module
// that fails to load, an exception in a callback, a rejected promise) exits 2, "could not evaluate",
// never node's default 1, which would read as "violations found".

// errors.ts alone, not the engine's index: the handlers must be in place before the engine loads.
import { addressSpaceError } from "../engine/errors";
import { EXIT } from "./exit-codes";

function crash(thrown: unknown): void {
  const err = addressSpaceError(thrown) ?? thrown;
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof Error && err.name === "GuardrailsError";
  process.stderr.write(`ddb-guardrails: error: ${known ? "" : "internal error: "}${message.split("\n")[0]}\n`);
  if (process.argv.includes("--debug") && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(EXIT.ERROR);
}

process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

// A reader that goes away before the report is written whole (`| head`): one line and exit 2, as for any
// run whose report was not delivered, rather than an internal error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") return crash(err);
  process.stderr.write("ddb-guardrails: error: standard output was closed before all of it was written\n");
  process.exit(EXIT.ERROR);
});
