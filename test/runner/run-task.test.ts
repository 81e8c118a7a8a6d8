// `ddb-guardrails serve` end to end over HTTP on 127.0.0.1: the real CLI process against a stand-in of
// the HCP Terraform endpoints a run task talks to, written from the run task integration API: the
// signed POST to the task's endpoint, GET plan_json_api_url with the run's access token (answered with a
// redirect to the stored JSON at another origin, a signed URL), and the PATCH of the result to
// task_result_callback_url.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, fixturePlan, ROOT } from "../helpers/paths";

const HMAC_KEY = "run-task-hmac-key-for-tests";
const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-run-task-"));
const keyFile = join(work, "hmac.key");
writeFileSync(keyFile, `${HMAC_KEY}\n`);

interface Callback {
  readonly method: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly status: number;
  readonly body: TaskResultBody;
}
interface TaskResultBody {
  data: {
    type: string;
    attributes: { status: string; message: string };
    relationships?: {
      outcomes: {
        data: {
          type: string;
          attributes: {
            "outcome-id": string;
            description: string;
            body: string;
            tags: Record<string, { label: string; level: string }[]>;
          };
        }[];
      };
    };
  };
}

/** The stand-in: the API origin and the object store the plan JSON is redirected to. */
class StandIn {
  api!: Server;
  store!: Server;
  apiUrl = "";
  storeUrl = "";
  readonly tokens = new Map<string, string>(); // plan or task id -> the run's access token
  readonly planRequests: { plan: string; authorization?: string }[] = [];
  readonly storeRequests: { plan: string; authorization?: string }[] = [];
  readonly callbacks = new Map<string, Callback[]>();
  /** Task ids whose callback answers 500 this many times first (Infinity: always). */
  readonly failures = new Map<string, number>();

  async start(): Promise<void> {
    this.api = await listen((req, res) => this.onApi(req, res));
    this.store = await listen((req, res) => this.onStore(req, res));
    this.apiUrl = `http://127.0.0.1:${(this.api.address() as AddressInfo).port}`;
    this.storeUrl = `http://127.0.0.1:${(this.store.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.api.closeAllConnections();
    this.store.closeAllConnections();
    this.api.close();
    this.store.close();
  }

  private async onApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const plan = req.url?.match(/^\/api\/v2\/plans\/([\w-]+)\/json-output$/)?.[1];
    const task = req.url?.match(/^\/api\/v2\/task-results\/([\w-]+)\/callback$/)?.[1];
    if (plan && req.method === "GET") {
      this.planRequests.push({ plan, authorization: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${this.tokens.get(plan)}`) return jsonApiError(res, 401);
      // HCP Terraform answers with a temporary redirect to the stored JSON.
      res.writeHead(307, { Location: `${this.storeUrl}/_archivist/v1/object/${plan}?sig=${sign(plan)}` });
      return void res.end();
    }
    if (task && req.method === "PATCH") {
      const body = JSON.parse(await readBody(req));
      const left = this.failures.get(task) ?? 0;
      const status = req.headers.authorization !== `Bearer ${this.tokens.get(task)}` ? 401 : left > 0 ? 500 : 200;
      if (left > 0) this.failures.set(task, left - 1);
      const list = this.callbacks.get(task) ?? [];
      list.push({
        method: req.method,
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        status,
        body,
      });
      this.callbacks.set(task, list);
      return status === 200 ? void res.writeHead(200).end() : jsonApiError(res, status);
    }
    jsonApiError(res, 404);
  }

  private onStore(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.storeUrl);
    const plan = url.pathname.match(/^\/_archivist\/v1\/object\/([\w-]+)$/)?.[1];
    if (!plan || url.searchParams.get("sig") !== sign(plan)) return jsonApiError(res, 403);
    this.storeRequests.push({ plan, authorization: req.headers.authorization });
    const kind = plan.replace(/^plan-/, "").replace(/-\d+$/, "");
    if (kind === "slow") {
      // The headers and a first chunk, then nothing: the download never ends.
      res.writeHead(200, { "Content-Type": "application/json" });
      return void res.write('{"format_version": "1.2", ');
    }
    if (kind === "huge") {
      // 8 MiB of JSON whitespace, without a Content-Length: only counting the bytes can stop it.
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("{");
      const chunk = " ".repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 128) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end('"format_version": "1.2"}');
      };
      res.on("error", () => undefined);
      return more();
    }
    const body =
      kind === "not-a-plan"
        ? JSON.stringify({ data: { id: plan, type: "plans", attributes: { status: "finished" } } })
        : readFileSync(fixturePlan(kind === "insecure" ? "table-aws-managed-key" : "model-compliant-stack"));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(body);
  }
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<Server> {
  const server = createServer((req, res) => void handler(req, res));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function jsonApiError(res: ServerResponse, status: number): void {
  res.writeHead(status, { "Content-Type": "application/vnd.api+json" });
  res.end(JSON.stringify({ errors: [{ status: String(status) }] }));
}

function sign(text: string, key = HMAC_KEY): string {
  return createHmac("sha512", key).update(text).digest("hex");
}

/** `ddb-guardrails serve` as a user starts it; resolves with its endpoint once it listens. */
class Serve {
  readonly child: ChildProcess;
  stderr = "";
  url = "";
  exited?: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], { cwd: ROOT });
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  async ready(): Promise<void> {
    await waitFor(
      () => /serving run tasks on (http:\/\/\S+)/.test(this.stderr),
      30_000,
      () => this.stderr,
    );
    this.url = this.stderr.match(/serving run tasks on (http:\/\/\S+)/)![1];
  }

  post(body: string, headers: Record<string, string> = { "X-TFC-Task-Signature": sign(body) }): Promise<Response> {
    return fetch(this.url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
  }
}

async function waitFor(done: () => boolean, ms: number, what: () => string = () => ""): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting; ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const standIn = new StandIn();
let runs = 0;

/** A run task request as HCP Terraform sends it at the post-plan stage, for a plan and a task result. */
function runRequest(kind: string): { body: string; plan: string; task: string } {
  runs++;
  const plan = `plan-${kind}-${runs}`;
  const task = `taskrs-${kind}-${runs}`;
  const token = `token-${runs}.atlasv1.${Math.random().toString(36).slice(2)}`;
  standIn.tokens.set(plan, token);
  standIn.tokens.set(task, token);
  const body = JSON.stringify({
    payload_version: 1,
    stage: "post_plan",
    access_token: token,
    capabilities: { outcomes: true },
    configuration_version_download_url: `${standIn.apiUrl}/api/v2/configuration-versions/cv-${runs}/download`,
    configuration_version_id: `cv-${runs}`,
    is_speculative: false,
    organization_name: "snowy",
    plan_json_api_url: `${standIn.apiUrl}/api/v2/plans/${plan}/json-output`,
    run_app_url: `${standIn.apiUrl}/app/snowy/sessions/runs/run-${runs}`,
    run_created_at: "2026-12-06T22:00:00.000Z",
    run_created_by: "snowy-ci",
    run_id: `run-${runs}`,
    run_message: "Triggered via API",
    task_result_callback_url: `${standIn.apiUrl}/api/v2/task-results/${task}/callback`,
    task_result_enforcement_level: "mandatory",
    task_result_id: task,
    vcs_branch: "main",
    workspace_app_url: `${standIn.apiUrl}/app/snowy/sessions`,
    workspace_id: "ws-sessions",
    workspace_name: "sessions",
    workspace_working_directory: "",
  });
  return { body, plan, task };
}

const callbacksOf = (task: string) => standIn.callbacks.get(task) ?? [];
const delivered = (task: string) => callbacksOf(task).find((c) => c.status === 200);
const waitForResult = (serve: Serve, task: string) =>
  waitFor(
    () => delivered(task) !== undefined,
    60_000,
    () => serve.stderr,
  ).then(() => delivered(task)!.body);
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(() => standIn.start());
afterAll(() => {
  standIn.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("serve: the run task endpoint", () => {
  let serve: Serve;
  beforeAll(async () => {
    serve = new Serve([
      "--hmac-key-file",
      keyFile,
      "--api-url",
      standIn.apiUrl,
      "--callback-retries",
      "2",
      "--jobs",
      "1",
    ]);
    await serve.ready();
  });
  afterAll(async () => {
    serve.child.kill("SIGTERM");
    await serve.exited;
  });

  it("reports a compliant plan passed, fetching it with the run's token and sending the token nowhere else", async () => {
    const { body, plan, task } = runRequest("compliant");
    const res = await serve.post(body);
    expect(res.status).toBe(200);
    const result = await waitForResult(serve, task);
    expect(result.data.type).toBe("task-results");
    expect(result.data.attributes.status).toBe("passed");
    expect(result.data.attributes.message).toMatch(/^Passed: no findings in 34 resources/);
    expect(result.data.relationships?.outcomes.data).toEqual([]);
    const [callback] = callbacksOf(task);
    expect(callback).toMatchObject({
      method: "PATCH",
      authorization: `Bearer ${standIn.tokens.get(task)}`,
      contentType: "application/vnd.api+json",
    });
    expect(standIn.planRequests.filter((r) => r.plan === plan)).toEqual([
      { plan, authorization: `Bearer ${standIn.tokens.get(plan)}` },
    ]);
    // The redirect leads to another origin: the signed URL is enough there, the token stays behind.
    expect(standIn.storeRequests.filter((r) => r.plan === plan)).toEqual([{ plan, authorization: undefined }]);
  });

  it("reports an insecure plan failed, with an outcome per finding naming its rule and address", async () => {
    const { body, task } = runRequest("insecure");
    expect((await serve.post(body)).status).toBe(200);
    const result = await waitForResult(serve, task);
    expect(result.data.attributes.status).toBe("failed");
    expect(result.data.attributes.message).toMatch(/^Failed: 2 violations in 11 resources/);
    const outcomes = result.data.relationships!.outcomes.data.map((o) => o.attributes);
    expect(outcomes.map((o) => o.description.split(":")[0]).sort()).toEqual([
      "aws_dynamodb_table.invalid_aws_managed_alias",
      "aws_dynamodb_table.invalid_no_key_arn",
    ]);
    for (const o of outcomes) {
      expect(o["outcome-id"]).toMatch(/^DDB-ENC-001-[0-9a-f]{16}$/);
      expect(o.body).toContain("`DDB-ENC-001`");
      expect(o.body).toMatch(/Evidence:\n- `/);
      expect(o.tags.Status).toEqual([{ label: "Failed", level: "error" }]);
      expect(o.tags.Severity).toEqual([{ label: "High", level: "error" }]);
    }
  });

  it("answers a verification request (access_token test-token) with 200 and fetches nothing", async () => {
    const before = standIn.planRequests.length + standIn.storeRequests.length + standIn.callbacks.size;
    const body = JSON.stringify({
      payload_version: 1,
      access_token: "test-token",
      task_result_callback_url: `${standIn.apiUrl}/api/v2/task-results/00000000/callback`,
      stage: "test",
    });
    expect((await serve.post(body)).status).toBe(200);
    await settle();
    expect(standIn.planRequests.length + standIn.storeRequests.length + standIn.callbacks.size).toBe(before);
  });

  it.each([
    ["a wrong signature", (body: string) => ({ "X-TFC-Task-Signature": sign(body, "another key") }), 401],
    ["a signature of another body", (body: string) => ({ "X-TFC-Task-Signature": sign(`${body} `) }), 401],
    ["no signature", () => ({}), 401],
  ])("refuses a request with %s (4xx) and neither fetches the plan nor calls back", async (_, headers, status) => {
    const { body, plan, task } = runRequest("compliant");
    const res = await serve.post(body, headers(body));
    expect(res.status).toBe(status);
    await settle();
    expect(standIn.planRequests.filter((r) => r.plan === plan)).toEqual([]);
    expect(callbacksOf(task)).toEqual([]);
  });

  it("refuses a verification request with a wrong signature, so a wrong HMAC key shows when the task is created", async () => {
    const body = JSON.stringify({ payload_version: 1, access_token: "test-token" });
    expect((await serve.post(body, { "X-TFC-Task-Signature": sign(body, "another key") })).status).toBe(401);
  });

  it.each([
    ["invalid JSON", () => "{not json", 400],
    ["a JSON array", () => "[]", 400],
    [
      "no callback URL",
      (r: ReturnType<typeof runRequest>) => JSON.stringify({ ...JSON.parse(r.body), task_result_callback_url: "" }),
      422,
    ],
    [
      "no access token",
      (r: ReturnType<typeof runRequest>) => JSON.stringify({ ...JSON.parse(r.body), access_token: undefined }),
      422,
    ],
    [
      "another payload version",
      (r: ReturnType<typeof runRequest>) => JSON.stringify({ ...JSON.parse(r.body), payload_version: 2 }),
      422,
    ],
    [
      "a plan URL off the API host",
      (r: ReturnType<typeof runRequest>) =>
        JSON.stringify({ ...JSON.parse(r.body), plan_json_api_url: `${standIn.storeUrl}/api/v2/plans/x/json-output` }),
      422,
    ],
  ])("refuses a signed request with %s (4xx) and does nothing else", async (_, make, status) => {
    const request = runRequest("compliant");
    const body = make(request);
    const res = await serve.post(body);
    expect(res.status).toBe(status);
    await settle();
    expect(standIn.planRequests.filter((r) => r.plan === request.plan)).toEqual([]);
    expect(callbacksOf(request.task)).toEqual([]);
  });

  it("refuses a body larger than a run task request can be (413)", async () => {
    const body = JSON.stringify({ payload_version: 1, padding: " ".repeat(2 * 1024 * 1024) });
    expect((await serve.post(body)).status).toBe(413);
  });

  it("refuses other methods and paths", async () => {
    expect((await fetch(serve.url)).status).toBe(405);
    expect((await fetch(serve.url, { method: "PUT", body: "{}" })).status).toBe(405);
    expect((await fetch(new URL("/run-task", serve.url), { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(new URL("/healthz", serve.url))).status).toBe(200);
  });

  it("reports failed, not passed, when what it downloads is not a plan", async () => {
    const { body, task } = runRequest("not-a-plan");
    expect((await serve.post(body)).status).toBe(200);
    const result = await waitForResult(serve, task);
    expect(result.data.attributes.status).toBe("failed");
    expect(result.data.attributes.message).toMatch(
      /^ddb-guardrails could not judge this plan: the plan of run-\d+: is not a terraform plan \(no format_version\)/,
    );
    expect(result.data.relationships).toBeUndefined();
  });

  it("reports failed when the run's stage has no plan JSON", async () => {
    const request = runRequest("compliant");
    const body = JSON.stringify({ ...JSON.parse(request.body), stage: "pre_plan", plan_json_api_url: null });
    expect((await serve.post(body)).status).toBe(200);
    const result = await waitForResult(serve, request.task);
    expect(result.data.attributes).toEqual({
      status: "failed",
      message:
        "ddb-guardrails could not judge this plan: the pre_plan stage has no plan JSON (no plan_json_api_url); attach the run task at the post-plan stage",
    });
  });

  it("retries a callback that fails, until it is delivered", async () => {
    const { body, task } = runRequest("insecure");
    standIn.failures.set(task, 1);
    expect((await serve.post(body)).status).toBe(200);
    const result = await waitForResult(serve, task);
    expect(result.data.attributes.status).toBe("failed");
    expect(callbacksOf(task).map((c) => c.status)).toEqual([500, 200]);
    expect(callbacksOf(task)[0].body).toEqual(result); // the same result, sent again
    expect(serve.stderr).toContain(`callback attempt 1 failed (HTTP 500); retrying in 1 s`);
  });

  it("gives up on a callback that always fails after the bounded retries, and keeps serving", async () => {
    const { body, task } = runRequest("compliant");
    standIn.failures.set(task, Number.POSITIVE_INFINITY);
    expect((await serve.post(body)).status).toBe(200);
    await waitFor(
      () => /the callback failed 3 times \(last: HTTP 500\); the result was not delivered/.test(serve.stderr),
      30_000,
      () => serve.stderr,
    );
    await settle();
    expect(callbacksOf(task).map((c) => c.status)).toEqual([500, 500, 500]);
    const next = runRequest("compliant");
    expect((await serve.post(next.body)).status).toBe(200);
    expect((await waitForResult(serve, next.task)).data.attributes.status).toBe("passed");
  });
});

describe("serve: config, limits and stopping", () => {
  let serve: Serve;
  beforeAll(async () => {
    const config = join(work, "waivers.yml");
    writeFileSync(
      config,
      `waivers:
  - rule: DDB-ENC-001
    address: aws_dynamodb_table.invalid_*
    reason: tables move to the team key in OPS-42
    expires: 2099-12-31
`,
    );
    serve = new Serve([
      "--config",
      config,
      "--hmac-key-file",
      keyFile,
      "--api-url",
      standIn.apiUrl,
      "--time-limit",
      "4", // room for a real evaluation on a loaded machine, short enough for the stalled download
      "--max-bytes",
      "1000000",
      "--jobs",
      "1",
    ]);
    await serve.ready();
  });
  afterAll(() => {
    serve.child.kill("SIGKILL");
  });

  it("judges with the project config, as validate does: waived findings pass and are shown as waived", async () => {
    const { body, task } = runRequest("insecure");
    expect((await serve.post(body)).status).toBe(200);
    const result = await waitForResult(serve, task);
    expect(result.data.attributes.status).toBe("passed");
    expect(result.data.attributes.message).toMatch(/^Passed: 0 violations, 2 waived in 11 resources/);
    const outcomes = result.data.relationships!.outcomes.data.map((o) => o.attributes);
    expect(outcomes.map((o) => o.tags.Status)).toEqual([
      [{ label: "Waived until 2099-12-31", level: "info" }],
      [{ label: "Waived until 2099-12-31", level: "info" }],
    ]);
    expect(outcomes[0].body).toContain("Waived until 2099-12-31: tables move to the team key in OPS-42");
  });

  it("answers at once and reports failed when the plan download does not finish within the time limit", async () => {
    const { body, task } = runRequest("slow");
    expect((await serve.post(body)).status).toBe(200);
    expect(callbacksOf(task)).toEqual([]); // answered before the run is judged
    const result = await waitForResult(serve, task);
    expect(result.data.attributes).toEqual({
      status: "failed",
      message:
        "ddb-guardrails could not judge this plan: the plan was not judged within the time limit of 4 s (--time-limit)",
    });
  });

  it("reports failed when the plan is larger than --max-bytes", async () => {
    const { body, task } = runRequest("huge");
    expect((await serve.post(body)).status).toBe(200);
    const result = await waitForResult(serve, task);
    expect(result.data.attributes).toEqual({
      status: "failed",
      message:
        "ddb-guardrails could not judge this plan: the plan JSON is larger than the limit of 1000000 bytes (--max-bytes)",
    });
  });

  it("takes 16 runs at once (503 past them), and on SIGTERM reports those under way failed, then exits 0", async () => {
    const taken = Array.from({ length: 16 }, () => runRequest("slow"));
    const answers = await Promise.all(taken.map((r) => serve.post(r.body)));
    expect(answers.map((res) => res.status)).toEqual(taken.map(() => 200));
    const refused = runRequest("compliant");
    expect((await serve.post(refused.body)).status).toBe(503);
    await waitFor(() => taken.every((r) => standIn.storeRequests.some((s) => s.plan === r.plan)), 10_000);
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    for (const r of taken)
      expect(delivered(r.task)?.body.data.attributes).toEqual({
        status: "failed",
        message:
          "ddb-guardrails could not judge this plan: the ddb-guardrails server stopped (SIGTERM) before the plan was judged",
      });
    expect(standIn.planRequests.filter((r) => r.plan === refused.plan)).toEqual([]);
    expect(callbacksOf(refused.task)).toEqual([]);
  });
});

describe("serve --max-memory", () => {
  it("bounds the server process: a plan it cannot hold is reported failed, naming --max-memory", async () => {
    const serve = new Serve([
      "--hmac-key-file",
      keyFile,
      "--api-url",
      standIn.apiUrl,
      "--max-memory",
      "16",
      "--jobs",
      "1",
    ]);
    try {
      await serve.ready();
      const { body, task } = runRequest("compliant");
      expect((await serve.post(body)).status).toBe(200);
      const result = await waitForResult(serve, task);
      expect(result.data.attributes.status).toBe("failed");
      expect(result.data.attributes.message).toMatch(
        /^ddb-guardrails could not judge this plan: .*the process holds \d+ MiB with its text read, already more than the memory limit of 16 MiB \(--max-memory\)/,
      );
    } finally {
      serve.child.kill("SIGTERM");
      await serve.exited;
    }
  });
});

describe("serve --allow-unsigned (a run task without an HMAC key)", () => {
  it("judges unsigned requests", async () => {
    const serve = new Serve(["--allow-unsigned", "--api-url", standIn.apiUrl, "--jobs", "1"]);
    try {
      await serve.ready();
      expect(serve.stderr).toContain("(unsigned requests allowed)");
      const { body, task } = runRequest("insecure");
      expect((await serve.post(body, {})).status).toBe(200);
      expect((await waitForResult(serve, task)).data.attributes.status).toBe("failed");
    } finally {
      serve.child.kill("SIGTERM");
      await serve.exited;
    }
  });
});

describe("serve: refusing to start", () => {
  it("needs an HMAC key, or --allow-unsigned said out loud", async () => {
    const serve = new Serve(["--api-url", "http://127.0.0.1:1"]);
    expect(await serve.exited).toBe(2);
    expect(serve.stderr).toBe(
      "ddb-guardrails: error: serve needs --hmac-key-file (the run task's HMAC key), or --allow-unsigned to accept requests anyone could send\n",
    );
  });

  it("refuses a key file together with --allow-unsigned", async () => {
    const serve = new Serve(["--hmac-key-file", keyFile, "--allow-unsigned"]);
    expect(await serve.exited).toBe(2);
    expect(serve.stderr).toBe("ddb-guardrails: error: --hmac-key-file and --allow-unsigned exclude each other\n");
  });

  it("refuses an empty key file", async () => {
    const empty = join(work, "empty.key");
    writeFileSync(empty, "\n");
    const serve = new Serve(["--hmac-key-file", empty]);
    expect(await serve.exited).toBe(2);
    expect(serve.stderr).toBe(`ddb-guardrails: error: --hmac-key-file ${empty}: is empty\n`);
  });
});
