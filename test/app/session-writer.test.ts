// The session writer Lambda (SESSION_WRITER_SOURCE in main.ts), run for real in Node with the two
// AWS SDK clients replaced by recording stubs: it assumes the tenant role tagged with the user's
// name and writes a session whose expiresAt is 30 minutes after createdAt.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESSION_TTL_SECONDS, SESSION_WRITER_SOURCE } from "../../app/stack";

function stub(dir: string, pkg: string, source: string): void {
  const root = join(dir, "node_modules", ...pkg.split("/"));
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: pkg, type: "module", exports: "./index.js" }));
  writeFileSync(join(root, "index.js"), source);
}

function invoke(event: unknown): { status: number | null; result?: any; calls?: any[]; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "session-writer-"));
  try {
    const record = `globalThis.calls ??= []; const record = (c) => { globalThis.calls.push(c); };`;
    stub(
      dir,
      "@aws-sdk/client-sts",
      `${record}
export class AssumeRoleCommand { constructor(input) { this.input = input; } }
export class STSClient { async send(cmd) { record({ service: "sts", input: cmd.input });
  return { Credentials: { AccessKeyId: "ASIA", SecretAccessKey: "secret", SessionToken: "token" } }; } }`,
    );
    stub(
      dir,
      "@aws-sdk/client-dynamodb",
      `${record}
export class PutItemCommand { constructor(input) { this.input = input; } }
export class DynamoDBClient { constructor(config) { this.config = config; }
  async send(cmd) { record({ service: "dynamodb", credentials: this.config.credentials, input: cmd.input }); return {}; } }`,
    );
    writeFileSync(join(dir, "index.mjs"), SESSION_WRITER_SOURCE);
    writeFileSync(
      join(dir, "run.mjs"),
      `const { handler } = await import("./index.mjs");
try { const result = await handler(${JSON.stringify(event)}); console.log(JSON.stringify({ result, calls: globalThis.calls })); }
catch (e) { console.error(e.message); process.exit(3); }`,
    );
    const r = spawnSync(process.execPath, ["run.mjs"], {
      cwd: dir,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        TABLE_NAME: "snowy-sessions",
        TENANT_ROLE_ARN: "arn:aws:iam::111122223333:role/snowy-session-writer-tenant",
        SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS),
      },
    });
    return r.status === 0
      ? { status: 0, ...JSON.parse(r.stdout), stderr: r.stderr }
      : { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("session writer", () => {
  test("writes alice's session with expiresAt = createdAt + 30 minutes, as alice's tagged tenant session", () => {
    const before = Math.floor(Date.now() / 1000);
    const { status, result, calls, stderr } = invoke({ username: "alice" });
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(result.expiresAt - result.createdAt).toBe(1800);
    expect(result.createdAt).toBeGreaterThanOrEqual(before);

    const [assume, put] = calls!;
    expect(assume).toEqual({
      service: "sts",
      input: expect.objectContaining({
        RoleArn: "arn:aws:iam::111122223333:role/snowy-session-writer-tenant",
        Tags: [{ Key: "username", Value: "alice" }],
      }),
    });
    expect(put.credentials).toEqual({ accessKeyId: "ASIA", secretAccessKey: "secret", sessionToken: "token" });
    expect(put.input).toEqual({
      TableName: "snowy-sessions",
      Item: {
        username: { S: "alice" },
        sessionId: { S: result.sessionId },
        createdAt: { N: String(result.createdAt) },
        expiresAt: { N: String(result.expiresAt) },
      },
      ConditionExpression: "attribute_not_exists(sessionId)",
    });
  });

  test.each([[{}], [{ username: "" }], [{ username: "bob}" }], [{ username: "x".repeat(57) }]])(
    "refuses %j before calling AWS",
    (event) => {
      const r = invoke(event);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/event\.username must be/);
    },
  );
});
