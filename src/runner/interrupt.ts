import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../cli/exit-codes";

/**
 * Ctrl-C and SIGTERM. While a child (terraform, the synth) runs, the signal is left to it: terraform
 * stops cleanly and releases its state lock, and the step then fails. Between children the CLI stops
 * at once. Either way no later step starts, and private folders (saved plans can hold secrets) are removed.
 */
let interrupted: NodeJS.Signals | undefined;
let children = 0;
const privateDirs = new Set<string>();
const forwarders = new Set<(signal: NodeJS.Signals) => void>();
let stopHandler: ((signal: NodeJS.Signals) => void) | undefined;

function onSignal(signal: NodeJS.Signals): void {
  const stop = stopHandler;
  stopHandler = undefined; // a second signal stops at once
  if (stop) return stop(signal);
  interrupted = signal;
  if (children > 0) {
    for (const forward of forwarders) forward(signal);
    return;
  }
  for (const dir of privateDirs) rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`ddb-guardrails: error: interrupted (${signal}); nothing was applied\n`);
  process.exit(EXIT.ERROR);
}

export function handleInterrupts(): void {
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** A server (serve) stops in its own way on the first SIGINT/SIGTERM: it finishes what it owes first. */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): void {
  stopHandler = handler;
}

export function wasInterrupted(): boolean {
  return interrupted !== undefined;
}

/** The signal that interrupted the run, if any. */
export function interruptSignal(): NodeJS.Signals | undefined {
  return interrupted;
}

/**
 * Passes SIGINT/SIGTERM on to a child that runs in a process group of its own (terraform apply),
 * which a signal to our group does not reach. Returns the function that stops forwarding.
 */
export function forwardSignals(forward: (signal: NodeJS.Signals) => void): () => void {
  forwarders.add(forward);
  return () => forwarders.delete(forward);
}

/** Lets a signal that already arrived be handled before the next irreversible step. */
export function settleSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function childStarted(): void {
  children++;
}

export function childEnded(): void {
  children--;
}

/** A folder only this user can read (mkdtemp makes it 0700), removed on exit or interrupt. */
export async function withPrivateDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  privateDirs.add(dir);
  try {
    return await work(dir);
  } finally {
    privateDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
