/**
 * The reference app's entry point (cdktf.json runs it): Snowy's secure session store, built in
 * app/stack.ts and configured from the environment (see there).
 */
import { buildApp, synthesize } from "./app/stack";
import { checkSynthesizedStacks } from "./src/runner/synth-check";

const app = buildApp();
synthesize(app);
// For plain `cdktf deploy`: plan and validate each stack after synth, and stop the deploy on
// findings. Opt-in here, since `npm run main`, the demo and `ddb-guardrails deploy` validate anyway.
if (process.env.DDB_GUARDRAILS_SYNTH_CHECK === "1") void checkSynthesizedStacks(app);
