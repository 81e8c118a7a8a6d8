/**
 * The one error every construct throws for an insecure or inconsistent configuration, at synth time.
 * The message names the prop, the constraint, the value given and the fix.
 */
export class GuardrailConfigError extends Error {
  constructor(
    /** The construct path, e.g. `snowy-sessions/sessions`. */
    readonly constructPath: string,
    /** The offending prop, e.g. `pointInTimeRecovery`. */
    readonly prop: string,
    message: string,
  ) {
    super(`${constructPath}: ${message}`);
    this.name = "GuardrailConfigError";
  }
}

/** Renders a value for an error message; tokens are reported as such, since their value is unknown at synth time. */
export function shown(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value);
}
