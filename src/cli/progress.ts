/**
 * Diagnostics on stderr, never stdout (stdout carries only the report): progress lines on a TTY,
 * timings with --verbose, notes unless --quiet.
 */
export class Progress {
  private readonly start = Date.now();
  constructor(
    private readonly options: { quiet?: boolean; verbose?: boolean },
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Runs a long step, announcing it on a TTY and timing it with --verbose. */
  async step<T>(label: string, work: () => Promise<T> | T): Promise<T> {
    if (!this.options.quiet && this.stream.isTTY) this.stream.write(`${label}...\n`);
    const began = Date.now();
    const result = await work();
    this.timing(label, began);
    return result;
  }

  timing(label: string, began: number): void {
    if (this.options.verbose) this.stream.write(`ddb-guardrails: ${label}: ${Date.now() - began} ms\n`);
  }

  total(): void {
    this.timing("total", this.start);
  }

  note(message: string): void {
    if (!this.options.quiet) this.stream.write(`ddb-guardrails: note: ${message}\n`);
  }
}
