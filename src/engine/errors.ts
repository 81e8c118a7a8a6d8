/**
 * The tool could not do its job (unreadable input, tampered bundle, invalid config...).
 * The CLI prints the message on one line and exits 2: never a silent "no violations".
 */
export class GuardrailsError extends Error {
  constructor(message: string) {
    // Messages may quote the input: control characters (NUL from a UTF-16 file, escapes) never reach the terminal.
    super(message.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "\uFFFD"));
    this.name = "GuardrailsError";
  }
}
