/**
 * The tool could not do its job (unreadable input, tampered bundle, invalid config...).
 * The CLI prints the message on one line and exits 2: never a silent "no violations".
 */
export class GuardrailsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GuardrailsError";
  }
}
