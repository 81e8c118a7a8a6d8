import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodePlanText, GuardrailsError, parsePlan, type PlanLimits } from "../engine";
import type { Gate } from "./gate";
import { planSource } from "./inputs";
import { failedResult, taskResult, type TaskResult } from "./task-result";

/**
 * A run task endpoint for HCP Terraform and Terraform Enterprise (the run task integration API):
 * a signed POST announces a run; it is answered 200 at once, then the plan JSON is fetched from
 * plan_json_api_url with the run's access token, judged by the gate, and the verdict is PATCHed to
 * task_result_callback_url. Whatever stops the plan from being judged is reported as failed.
 */
export interface RunTaskServerOptions {
  readonly host: string;
  readonly port: number;
  /** The run task's HMAC key; undefined only when unsigned requests were allowed explicitly. */
  readonly hmacKey?: Buffer;
  /** Origin of HCP Terraform or Terraform Enterprise: the only one the access token is sent to. */
  readonly apiOrigin: string;
  /** Budget of one run from its request to its verdict (download, queue, evaluation), in ms. */
  readonly timeLimitMs: number;
  /** Further callback attempts after a failed one. */
  readonly callbackRetries: number;
  readonly limits: PlanLimits;
  readonly gate: Gate;
  readonly ruleDocUrl?: (id: string) => string | undefined;
  /** A line for the log (stderr); `error` lines are written even when quiet. */
  readonly log: (line: string, error?: boolean) => void;
}

export interface RunTaskServer {
  readonly url: string;
  /** Stops taking requests; runs under way are reported failed (the server stopped); resolves when all are sent. */
  stop(reason: string): Promise<void>;
}

/** The request payload's fields this server reads. */
interface TaskRequest {
  readonly accessToken: string;
  readonly callbackUrl: URL;
  readonly planUrl?: URL;
  readonly stage: string;
  readonly outcomes: boolean;
  /** "run-… (organization/workspace, stage)" for the log. */
  readonly label: string;
}

/** Requests announce a run; the plan comes from the API, so a request is a few KiB. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** Runs taken at once; past them a request is refused with 503 (the run task then errors, never passes). */
const MAX_RUNS = 16;
const MAX_REDIRECTS = 5;
const CALLBACK_TIMEOUT_MS = 10_000;
const SIGNATURE_HEADER = "x-tfc-task-signature";
/** What HCP Terraform sends as access_token when it checks the endpoint (creating or editing the task). */
const VERIFICATION_TOKEN = "test-token";

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function startRunTaskServer(options: RunTaskServerOptions): Promise<RunTaskServer> {
  const runs = new Map<Promise<void>, AbortController>();
  let stopping = false;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      const status = err instanceof BadRequest ? err.status : 500;
      if (status >= 500) options.log(`request failed: ${err.message}`, true);
      reply(res, status, err.message);
    });
  });
  // A client that trickles its request cannot hold a connection for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(res, "GET, HEAD");
      return reply(res, 200, "ok");
    }
    if (path !== "/") throw new BadRequest(404, `no such path: ${path} (the run task endpoint is /)`);
    if (req.method !== "POST") throw methodNotAllowed(res, "POST");
    const body = await readBody(req, res);
    if (options.hmacKey) checkSignature(body, req.headers[SIGNATURE_HEADER], options.hmacKey);
    const payload = parseJson(body);
    if (payload.access_token === VERIFICATION_TOKEN) {
      options.log("verification request (test-token): answered 200");
      return reply(res, 200, "");
    }
    const request = taskRequest(payload, options.apiOrigin);
    if (stopping) throw new BadRequest(503, "the server is stopping");
    if (runs.size >= MAX_RUNS) {
      options.log(`${request.label}: refused, ${MAX_RUNS} runs already under way`, true);
      throw new BadRequest(503, `${MAX_RUNS} runs are already under way; try again later`);
    }
    reply(res, 200, "");
    start(request);
  }

  function start(request: TaskRequest): void {
    const abort = new AbortController();
    const run = judgeAndReport(request, abort, options, () => stopping).finally(() => runs.delete(run));
    runs.set(run, abort);
  }

  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new GuardrailsError(`cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`)),
    );
    server.listen(options.port, options.host, () => {
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(":") ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}/`,
        async stop(reason) {
          stopping = true;
          const closed = new Promise((done) => server.close(done));
          server.closeIdleConnections();
          for (const abort of runs.values()) abort.abort(new GuardrailsError(reason));
          await Promise.all([...runs.keys()]);
          await closed;
        },
      });
    });
  });
}

function reply(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(text ? `${text}\n` : "");
}

function methodNotAllowed(res: ServerResponse, allow: string): BadRequest {
  res.setHeader("Allow", allow);
  return new BadRequest(405, `method not allowed (${allow})`);
}

function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        req.removeAllListeners("data").resume(); // the rest is read and dropped, so the 413 reaches the client
        res.setHeader("Connection", "close");
        reject(new BadRequest(413, `request body is larger than ${MAX_REQUEST_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** X-TFC-Task-Signature: the hex HMAC-SHA512 of the raw body with the run task's HMAC key. */
function checkSignature(body: Buffer, header: string | string[] | undefined, key: Buffer): void {
  if (typeof header !== "string" || header === "")
    throw new BadRequest(401, "the request is not signed (no X-TFC-Task-Signature header)");
  const expected = createHmac("sha512", key).update(body).digest();
  const given = /^[0-9a-f]+$/i.test(header) ? Buffer.from(header, "hex") : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new BadRequest(401, "X-TFC-Task-Signature does not match the body signed with the HMAC key");
}

function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequest(400, "the body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new BadRequest(400, "the body is not a JSON object");
  return value as Record<string, unknown>;
}

/** The fields of a run task request; a request without what the callback needs is refused. */
function taskRequest(payload: Record<string, unknown>, apiOrigin: string): TaskRequest {
  if (payload.payload_version !== 1)
    throw new BadRequest(422, `payload_version ${JSON.stringify(payload.payload_version)} is not supported (1 is)`);
  const text = (field: string): string | undefined => {
    const value = payload[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw new BadRequest(422, `${field} is not a string`);
    return value;
  };
  const required = (field: string): string => {
    const value = text(field);
    if (!value) throw new BadRequest(422, `${field} is missing`);
    return value;
  };
  // The access token goes to these URLs: only to the configured HCP Terraform or Terraform Enterprise.
  const apiUrl = (field: string, value: string): URL => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new BadRequest(422, `${field} is not a URL`);
    }
    if (url.origin !== apiOrigin)
      throw new BadRequest(422, `${field} is not on ${apiOrigin} (--api-url), where the access token may be sent`);
    return url;
  };
  const accessToken = required("access_token");
  const callbackUrl = apiUrl("task_result_callback_url", required("task_result_callback_url"));
  const stage = required("stage");
  const plan = text("plan_json_api_url");
  const capabilities = payload.capabilities as { outcomes?: unknown } | undefined;
  const run = text("run_id") ?? "run";
  const where = [text("organization_name"), text("workspace_name")].filter(Boolean).join("/");
  return {
    accessToken,
    callbackUrl,
    planUrl: plan ? apiUrl("plan_json_api_url", plan) : undefined,
    stage,
    outcomes: typeof capabilities === "object" && capabilities !== null && capabilities.outcomes === true,
    label: `${run} (${where ? `${where}, ` : ""}${stage}${payload.is_speculative === true ? ", speculative" : ""})`,
  };
}

/** Judges the run's plan within the time limit, then sends the verdict; never rejects. */
async function judgeAndReport(
  request: TaskRequest,
  abort: AbortController,
  options: RunTaskServerOptions,
  stopping: () => boolean,
): Promise<void> {
  const seconds = options.timeLimitMs / 1000;
  const timer = setTimeout(
    () =>
      abort.abort(new GuardrailsError(`the plan was not judged within the time limit of ${seconds} s (--time-limit)`)),
    options.timeLimitMs,
  );
  const deadline = Date.now() + options.timeLimitMs;
  options.log(`${request.label}: judging the plan`);
  let result: TaskResult;
  try {
    const work = judge(request, abort.signal, deadline, options);
    work.catch(() => undefined); // settled by the race below when the time limit or a stop comes first
    result = await Promise.race([work, aborted(abort.signal)]);
  } catch (err) {
    const reason = abort.signal.aborted ? (abort.signal.reason as Error) : (err as Error);
    const known = reason instanceof GuardrailsError;
    result = failedResult(known ? reason.message : `internal error: ${reason.message}`);
    if (!known) options.log(`${request.label}: internal error: ${reason.stack ?? reason.message}`, true);
  } finally {
    clearTimeout(timer);
  }
  options.log(`${request.label}: ${result.data.attributes.status}: ${result.data.attributes.message}`);
  await sendResult(request, result, options, stopping);
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

async function judge(
  request: TaskRequest,
  signal: AbortSignal,
  deadline: number,
  options: RunTaskServerOptions,
): Promise<TaskResult> {
  if (!request.planUrl)
    throw new GuardrailsError(
      `the ${request.stage} stage has no plan JSON (no plan_json_api_url); attach the run task at the post-plan stage`,
    );
  const bytes = await downloadPlan(request.planUrl, request.accessToken, signal, options);
  const name = `the plan of ${request.label.split(" ")[0]}`;
  const plan = parsePlan(decodePlanText(bytes, name), name, options.limits);
  const source = await planSource(plan, new Map(), undefined, options.limits);
  signal.throwIfAborted();
  const report = await options.gate.evaluate(
    source,
    `evaluate ${name}`,
    Math.max(0.001, (deadline - Date.now()) / 1000),
  );
  return taskResult(report, options.gate.bundle.rules, { outcomes: request.outcomes, ruleDocUrl: options.ruleDocUrl });
}

/**
 * GET plan_json_api_url with the access token. The API answers with a redirect to the stored JSON (a
 * signed URL); redirects are followed by hand so that the token goes only to the API's origin.
 */
async function downloadPlan(
  url: URL,
  token: string,
  signal: AbortSignal,
  options: RunTaskServerOptions,
): Promise<Buffer> {
  const maxBytes = options.limits.maxBytes ?? 256 * 1024 * 1024;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const where = `${current.origin}${current.pathname}`; // never the query: a signed URL's signature
    const headers: Record<string, string> = { Accept: "application/json" };
    if (current.origin === options.apiOrigin) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(current, { headers, redirect: "manual", signal });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new GuardrailsError(`plan download from ${where} failed: ${networkError(err)}`);
    }
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      await res.body?.cancel();
      const location = res.headers.get("location");
      if (!location) throw new GuardrailsError(`plan download: ${where} redirected (${res.status}) without a Location`);
      current = new URL(location, current);
      if (current.protocol !== "https:" && current.protocol !== "http:")
        throw new GuardrailsError(`plan download: ${where} redirected to a ${current.protocol} URL`);
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new GuardrailsError(`plan download from ${where} answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new GuardrailsError(`the plan JSON is larger than the limit of ${maxBytes} bytes (--max-bytes)`);
    }
    return readLimited(res, maxBytes, signal, where);
  }
  throw new GuardrailsError(`plan download from ${url.origin}${url.pathname}: more than ${MAX_REDIRECTS} redirects`);
}

async function readLimited(res: Response, maxBytes: number, signal: AbortSignal, where: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes)
        throw new GuardrailsError(`the plan JSON is larger than the limit of ${maxBytes} bytes (--max-bytes)`);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (signal.aborted) throw signal.reason;
    if (err instanceof GuardrailsError) throw err;
    throw new GuardrailsError(`plan download from ${where} failed: ${networkError(err)}`);
  }
  return Buffer.concat(chunks);
}

function networkError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

/**
 * PATCH task_result_callback_url. A failure that may pass (network, 5xx, 408, 429) is retried with
 * growing delays; any other answer (a 4xx: the token expired, the result was already given) is final.
 */
async function sendResult(
  request: TaskRequest,
  result: TaskResult,
  options: RunTaskServerOptions,
  stopping: () => boolean,
): Promise<void> {
  const attempts = options.callbackRetries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let problem: string;
    try {
      const res = await fetch(request.callbackUrl, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${request.accessToken}`, "Content-Type": "application/vnd.api+json" },
        body: JSON.stringify(result),
        redirect: "error",
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) {
        options.log(`${request.label}: result sent (HTTP ${res.status})`);
        return;
      }
      problem = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 408 && res.status !== 429) {
        options.log(`${request.label}: the callback was refused (${problem}); the result was not delivered`, true);
        return;
      }
    } catch (err) {
      problem = networkError(err);
    }
    if (attempt === attempts || stopping()) {
      options.log(
        `${request.label}: the callback failed ${attempt} time${attempt === 1 ? "" : "s"} (last: ${problem}); the result was not delivered`,
        true,
      );
      return;
    }
    const delay = Math.min(2 ** (attempt - 1), 30);
    options.log(`${request.label}: callback attempt ${attempt} failed (${problem}); retrying in ${delay} s`, true);
    await new Promise((resolve) => setTimeout(resolve, delay * 1000));
  }
}
