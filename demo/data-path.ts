// The data path through the emulator: write sessions with the stack's own Lambda code, delete one,
// follow the REMOVE record on the table's stream, and look for it in the write-once archive.
// Where moto does not run a step (Lambda code, Pipes), the step is emulated here and labelled so.
import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";
import { PutRecordCommand } from "@aws-sdk/client-firehose";
import { GetFunctionConfigurationCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { DeleteObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESSION_TTL_SECONDS, SESSION_WRITER_SOURCE } from "../app/stack";
import type { Clients } from "./aws";
import { EXPIRY_ATTRIBUTE, type Inspection } from "./inspect";
import { ROOT } from "./stack";

export interface Session {
  readonly username: string;
  readonly sessionId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface DataPath {
  /** What Lambda Invoke of the deployed function returned from the emulator. */
  readonly invoke: { functionName: string; functionError?: string; payload: string } | undefined;
  /** Sessions written by the stack's handler code, run locally against the emulator. */
  readonly written: Session[];
  /** The expiry GetItem reads back for the first session. */
  readonly storedExpiry?: number;
  readonly deleted: Session;
  readonly stream: Array<{ event: string; keys: string; principal?: string }>;
  /** The archive pipe(s) in the applied state and where they deliver. */
  readonly pipes: Array<{ name: string; target: string }>;
  /** Object versions in the archive after a bounded wait for the stack's own pipe. */
  readonly archivedByPipe: number;
  /** The stand-in for the pipe: REMOVE records forwarded to the pipe's Firehose target. */
  readonly forwarded: number;
  readonly archived: Array<{ key: string; versionId: string }>;
  /** DeleteObject on an archived version. */
  readonly deleteArchived?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type State = Array<{ type: string; values: Record<string, unknown> }>;

export async function exerciseDataPath(
  c: Clients,
  emulatorUrl: string,
  inspection: Inspection,
  state: State,
  options: { pipeWaitMs?: number } = {},
): Promise<DataPath> {
  const { table, archiveBucket } = inspection;
  const fn = state.find((r) => r.type === "aws_lambda_function")?.values;
  let invoke: DataPath["invoke"];
  if (fn) {
    const res = await c.lambda.send(
      new InvokeCommand({
        FunctionName: String(fn.function_name),
        Payload: Buffer.from(JSON.stringify({ username: "alice" })),
      }),
    );
    invoke = {
      functionName: String(fn.function_name),
      functionError: res.FunctionError,
      payload: Buffer.from(res.Payload ?? new Uint8Array()).toString("utf8"),
    };
  }

  // The handler runs with the deployed function's own environment, as read back from Lambda.
  const fnEnv = fn
    ? ((await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: String(fn.function_name) })))
        .Environment?.Variables ?? {})
    : { TABLE_NAME: table.name, SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS) };
  const written = ["alice", "bob"].map((username) => runSessionWriter(emulatorUrl, c.region, fnEnv, username));
  const key = (s: Session) => ({
    [table.hashKey]: { S: s.username },
    ...(table.rangeKey ? { [table.rangeKey]: { S: s.sessionId } } : {}),
  });
  const kept = (
    await c.dynamodb.send(new GetItemCommand({ TableName: table.name, Key: key(written[0]), ConsistentRead: true }))
  ).Item;
  const storedExpiry = kept?.[EXPIRY_ATTRIBUTE]?.N ? Number(kept[EXPIRY_ATTRIBUTE].N) : undefined;
  const deleted = written[1];
  await c.dynamodb.send(new DeleteItemCommand({ TableName: table.name, Key: key(deleted) }));

  const records = table.streamArn ? await readStream(c, table.streamArn) : [];
  const stream = records.map((r) => ({
    event: r.eventName ?? "?",
    keys: Object.values(r.dynamodb?.Keys ?? {})
      .map((v) => v.S ?? v.N)
      .join("/"),
    principal: r.userIdentity?.PrincipalId,
  }));

  const pipes = state
    .filter((r) => r.type === "aws_pipes_pipe" && String(r.values.target).includes(":firehose:"))
    .map((r) => ({ name: String(r.values.name), target: String(r.values.target) }));

  const listArchive = async () =>
    archiveBucket
      ? ((await c.s3.send(new ListObjectVersionsCommand({ Bucket: archiveBucket }))).Versions ?? []).map((v) => ({
          key: v.Key!,
          versionId: v.VersionId!,
        }))
      : [];
  // Bounded wait for the stack's own pipe to deliver.
  let archived = await listArchive();
  for (const deadline = Date.now() + (options.pipeWaitMs ?? 3000); archived.length === 0 && Date.now() < deadline; ) {
    await sleep(500);
    archived = await listArchive();
  }
  const archivedByPipe = archived.length;

  // Stand-in for the pipe (moto's Pipes move no data): its filter (REMOVE) and its target, nothing else.
  let forwarded = 0;
  if (archivedByPipe === 0 && pipes.length > 0) {
    const deliveryStream = pipes[0].target.split("/").pop()!;
    for (const r of records.filter((x) => x.eventName === "REMOVE")) {
      await c.firehose.send(
        new PutRecordCommand({
          DeliveryStreamName: deliveryStream,
          Record: { Data: Buffer.from(`${JSON.stringify(r)}\n`) },
        }),
      );
      forwarded++;
    }
    archived = await listArchive();
  }

  let deleteArchived: string | undefined;
  if (archiveBucket && archived.length > 0) {
    try {
      await c.s3.send(
        new DeleteObjectCommand({ Bucket: archiveBucket, Key: archived[0].key, VersionId: archived[0].versionId }),
      );
      deleteArchived = "deleted";
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      deleteArchived = `refused: HTTP ${e.$metadata?.httpStatusCode ?? "?"}${e.name === "Unknown" ? "" : ` ${e.name}`}`;
    }
  }
  return { invoke, written, storedExpiry, deleted, stream, pipes, archivedByPipe, forwarded, archived, deleteArchived };
}

/**
 * Runs the stack's session writer (the exact source main.ts deploys) in a local Node process against
 * the emulator, because moto cannot execute Lambda code without Docker.
 */
function runSessionWriter(
  emulatorUrl: string,
  region: string,
  fnEnv: Record<string, string>,
  username: string,
): Session {
  const dir = mkdtempSync(join(tmpdir(), "session-writer-"));
  try {
    writeFileSync(join(dir, "index.mjs"), SESSION_WRITER_SOURCE);
    // The Lambda runtime provides the AWS SDK; locally it comes from this project's node_modules.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const script = `import { handler } from "./index.mjs"; process.stdout.write(JSON.stringify(await handler(${JSON.stringify({ username })})));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: dir,
      encoding: "utf8",
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        ...fnEnv,
        AWS_REGION: region,
        AWS_ENDPOINT_URL: emulatorUrl,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    if (r.status !== 0) {
      const lines = (r.stderr || r.stdout).split("\n");
      throw new Error(
        `session writer failed for ${username}: ${lines.find((l) => /^\w*(Error|Exception)\b/.test(l)) ?? lines.slice(-3).join(" ")}`,
      );
    }
    return JSON.parse(r.stdout) as Session;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every record on the stream so far, from the oldest (bounded: shards x pages). */
async function readStream(c: Clients, streamArn: string): Promise<_Record[]> {
  const shards =
    (await c.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];
  const out: _Record[] = [];
  for (const shard of shards.slice(0, 20)) {
    let iterator = (
      await c.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    for (let page = 0; iterator && page < 20; page++) {
      const res = await c.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      out.push(...(res.Records ?? []));
      if ((res.Records ?? []).length === 0) break;
      iterator = res.NextShardIterator;
    }
  }
  return out;
}
