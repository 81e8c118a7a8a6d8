// The deploy gate with a real `terraform apply`, against the local AWS emulator (moto, loopback only):
// the stack that passes really exists afterwards. (That a failing stack never reaches terraform apply
// is shown in cli-deploy.test.ts, where every terraform call is recorded.)
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { emulatorClients, type Clients } from "../../demo/aws";
import { startEmulator, type Emulator } from "../../demo/emulator";
import { FIXTURES, ROOT, runCli } from "../helpers/paths";

let emulator: Emulator;
let clients: Clients;
const app = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-deploy-emulator-")), "app");

beforeAll(async () => {
  emulator = await startEmulator();
  clients = emulatorClients(emulator.url, "eu-west-1");
  cpSync(join(FIXTURES, "cli-cdktf-app"), app, { recursive: true });
}, 120_000);

afterAll(async () => {
  clients?.destroy();
  await emulator?.stop();
});

const deployEncrypted = () =>
  runCli(["deploy", "--app-dir", app, "--stack", "encrypted", "--rules", "encryption", "--auto-approve"], {
    cwd: app,
    env: { EMULATOR_URL: emulator.url, NODE_PATH: join(ROOT, "node_modules") },
  });

test("the passing stack is applied for real: the table exists, encrypted with the key of the plan", async () => {
  expect((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  const applied = deployEncrypted();
  expect(applied.stderr).toMatch(/Apply complete! Resources: 2 added/);
  expect(applied.status).toBe(0);
  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: "sessions" }))).Table;
  expect(table?.SSEDescription).toMatchObject({ Status: "ENABLED", SSEType: "KMS" });
  const state = JSON.parse(readFileSync(join(app, "terraform.encrypted.tfstate"), "utf8"));
  expect(state.resources.map((r: { type: string }) => r.type).sort()).toEqual(["aws_dynamodb_table", "aws_kms_key"]);
}, 240_000);
