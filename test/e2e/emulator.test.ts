// The emulator's lifecycle: pinned moto on loopback, reset, and no process left behind on Ctrl-C.
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { MOTO_VERSION, startEmulator } from "../../demo/emulator";

const ROOT = join(__dirname, "..", "..");
// Node 20 is this project's engine; the SDK's notice about its future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

test("the emulator listens on 127.0.0.1 only, and a reset drops what was created", async () => {
  const emulator = await startEmulator();
  const dynamodb = new DynamoDBClient({
    endpoint: emulator.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  try {
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: "reset-probe",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(["reset-probe"]);
    await emulator.reset();
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  } finally {
    dynamodb.destroy();
    await emulator.stop();
  }
  expect(await answers(emulator.url)).toBe(false);
}, 60_000);

test("Ctrl-C on demo/emulator.ts stops moto", async () => {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "demo/emulator.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    let stderr = "";
    // Ready when it has said where it listens (stderr); the URL alone goes to stdout.
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready within 45 s: ${stderr}`)), 45_000);
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    expect(stderr).toContain(`moto ${MOTO_VERSION} listening on`);
    expect(await answers(ready)).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(await answers(ready)).toBe(false);
  } finally {
    // Whatever failed above, no emulator outlives the test.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM"); // handled: stops moto too
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}, 60_000);
