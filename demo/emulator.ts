// The local AWS emulator (moto in server mode) for the demo and the end-to-end tests:
// pinned version, loopback only, a free port, a bounded health check, and shutdown on
// every way out (normal end, failure, Ctrl-C).
//
//   npx ts-node --transpile-only demo/emulator.ts          start, print the URL, stop on Ctrl-C
//   npx ts-node --transpile-only demo/emulator.ts --check  only make sure the pinned moto is installed
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const MOTO_VERSION = "5.2.1";
const PYTHON = process.env.PYTHON ?? "python3";
const HOST = "127.0.0.1";

export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:41234; every AWS service answers here. */
  readonly url: string;
  readonly port: number;
  /** Drops every resource in the emulator (moto keeps e.g. CloudTrail trails after destroy). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** The emulator's own log, for diagnostics. */
  log(): string;
}

/** Makes sure moto MOTO_VERSION with its server extras is importable; installs it with pip only if not. */
export function ensureMoto(say: (line: string) => void = () => undefined): void {
  const show = spawnSync(PYTHON, ["-m", "pip", "show", "moto"], { encoding: "utf8" });
  if (show.error)
    throw new Error(`${PYTHON} is not available (${show.error.message}); the emulator needs Python 3 with pip`);
  const version = /^Version:\s*(\S+)/m.exec(show.stdout ?? "")?.[1];
  // The server extras (flask, flask-cors) are what `import moto.server` needs.
  const serverImports = spawnSync(PYTHON, ["-c", "import moto.server"], { encoding: "utf8" }).status === 0;
  if (version === MOTO_VERSION && serverImports) return;
  say(
    `moto ${version ?? "(not installed)"}${serverImports ? "" : " without server extras"}: installing moto[server]==${MOTO_VERSION} with pip`,
  );
  const install = spawnSync(PYTHON, ["-m", "pip", "install", "--quiet", `moto[server]==${MOTO_VERSION}`], {
    encoding: "utf8",
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (install.status !== 0)
    throw new Error(`pip install moto[server]==${MOTO_VERSION} failed (exit ${install.status})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

// Children still running when this process ends, whatever the reason, and files to remove then.
const running = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
let handlersInstalled = false;

/** Runs fn (synchronously) when the process ends, also on Ctrl-C; returns a function that cancels it. */
export function onExit(fn: () => void): () => void {
  installExitHandlers();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGTERM");
    for (const fn of cleanups) fn();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill("SIGTERM");
      process.stderr.write(`\nemulator stopped (${signal})\n`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

/** Starts moto on 127.0.0.1 on a free port and waits (bounded) until it answers. */
export async function startEmulator(
  options: { timeoutMs?: number; say?: (line: string) => void } = {},
): Promise<Emulator> {
  ensureMoto(options.say);
  installExitHandlers();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const logDir = mkdtempSync(join(tmpdir(), "ddb-guardrails-moto-"));
  const logFile = join(logDir, "moto.log");
  const removeLog = () => rmSync(logDir, { recursive: true, force: true });
  const cancelRemoveLog = onExit(removeLog);
  let lastError = "";
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const url = `http://${HOST}:${port}`;
    const out = openSync(logFile, "a");
    const child = spawn(PYTHON, ["-m", "moto.server", "-H", HOST, "-p", String(port)], {
      stdio: ["ignore", out, out],
      // AWS-managed policies (e.g. AWSLambdaVPCAccessExecutionRole) exist in every real account; moto loads them only on request.
      env: { ...process.env, PYTHONUNBUFFERED: "1", MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
    });
    closeSync(out); // the child holds its own copy
    running.add(child);
    let exited = false;
    child.once("exit", () => {
      exited = true;
      running.delete(child);
    });
    const deadline = Date.now() + timeoutMs;
    while (!exited && Date.now() < deadline) {
      if (await healthy(url)) {
        const stop = async () => {
          if (exited) return;
          // SIGTERM, then SIGKILL if moto is still there after 5 s.
          let timer: NodeJS.Timeout | undefined;
          const gone = new Promise<void>((r) => {
            child.once("exit", () => r());
            timer = setTimeout(r, 5000);
          });
          child.kill("SIGTERM");
          await gone;
          clearTimeout(timer);
          if (!exited) child.kill("SIGKILL");
          cancelRemoveLog();
          removeLog();
        };
        const reset = async () => {
          const res = await fetch(`${url}/moto-api/reset`, { method: "POST", signal: AbortSignal.timeout(10_000) });
          if (!res.ok) throw new Error(`emulator reset failed: HTTP ${res.status}`);
        };
        return { url, port, reset, stop, log: () => readFileSync(logFile, "utf8") };
      }
      await sleep(150);
    }
    lastError = exited ? `moto exited during start-up (port ${port})` : `moto did not answer within ${timeoutMs} ms`;
    child.kill("SIGKILL");
  }
  const log = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
  cancelRemoveLog();
  removeLog();
  throw new Error(`${lastError}; last lines of its log:\n${log}`);
}

if (require.main === module) {
  if (process.argv.includes("--check")) {
    ensureMoto((l) => process.stderr.write(`${l}\n`));
    process.stdout.write(`moto ${MOTO_VERSION} with server extras is installed\n`);
  } else {
    startEmulator({ say: (l) => process.stderr.write(`${l}\n`) }).then(
      (emulator) => {
        process.stdout.write(`${emulator.url}\n`);
        process.stderr.write(`moto ${MOTO_VERSION} listening on ${emulator.url}; Ctrl-C stops it\n`);
      },
      (err: Error) => {
        process.stderr.write(`emulator: error: ${err.message}\n`);
        process.exit(2);
      },
    );
  }
}
