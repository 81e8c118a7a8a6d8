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

/**
 * V8 reserves about 10 GiB of virtual address space for each WebAssembly memory (guard regions in place
 * of bounds checks): the policy engine's and the HCL parser's. Under a limit on address space (`ulimit
 * -v`, some CI containers) that fails with a RangeError naming neither cause nor fix; this names both.
 */
export function addressSpaceError(err: unknown): GuardrailsError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (!/(Cannot|could not) allocate (Wasm )?memory/i.test(message)) return undefined;
  return new GuardrailsError(
    "cannot reserve address space for WebAssembly: each instance reserves about 10 GiB of virtual memory, more than this process may use (`ulimit -v`); remove the limit (`ulimit -v unlimited`) or raise it to at least 24 GiB with --jobs 1",
  );
}
