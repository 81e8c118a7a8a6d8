// The deploy gate with OpenTofu (`--terraform-bin tofu`) and a real `tofu apply` against the local AWS
// emulator (moto, loopback only): the stack that passes exists afterwards, the one that fails is
// never applied. tofu is built into .tools/bin by scripts/tools/build-opentofu.sh (CI builds it);
// without it this suite fails, it does not skip.
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { emulatorClients, type Clients } from "../../demo/aws";
import { startEmulator, type Emulator } from "../../demo/emulator";
import { FIXTURES, ROOT, runCli } from "../helpers/paths";

const TOFU = join(ROOT, ".tools", "bin", "tofu");
// Written beside it: the AWS provider mirrored under registry.opentofu.org, where tofu looks for hashicorp/aws.
const TOFU_CLI_CONFIG = join(ROOT, ".tools", "tofu.rc");
let emulator: Emulator;
let clients: Clients;
const app = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-deploy-opentofu-")), "app");

beforeAll(async () => {
  for (const built of [TOFU, TOFU_CLI_CONFIG])
    if (!existsSync(built)) throw new Error(`${built} is missing: build OpenTofu with scripts/tools/build-opentofu.sh`);
  emulator = await startEmulator();
  clients = emulatorClients(emulator.url, "eu-west-1");
  cpSync(join(FIXTURES, "cli-cdktf-app"), app, { recursive: true });
}, 120_000);

afterAll(async () => {
  clients?.destroy();
  await emulator?.stop();
});

const deploy = (stack: string) =>
  runCli(
    [
      "deploy",
      "--app-dir",
      app,
      "--stack",
      stack,
      "--rules",
      "encryption",
      "--auto-approve",
      "--terraform-bin",
      "tofu",
    ],
    {
      cwd: app,
      env: { EMULATOR_URL: emulator.url, NODE_PATH: join(ROOT, "node_modules"), TF_CLI_CONFIG_FILE: TOFU_CLI_CONFIG },
    },
  );

test("with --terraform-bin tofu, the passing stack is applied by OpenTofu for real", async () => {
  expect((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  const applied = deploy("encrypted");
  expect(applied.stderr).toMatch(/Apply complete! Resources: 2 added/);
  expect(applied.status).toBe(0);
  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: "sessions" }))).Table;
  expect(table?.SSEDescription).toMatchObject({ Status: "ENABLED", SSEType: "KMS" });
  // OpenTofu wrote the state: its version, and the provider from its registry.
  const state = JSON.parse(readFileSync(join(app, "terraform.encrypted.tfstate"), "utf8"));
  expect(state.terraform_version).toBe("1.10.10");
  expect(state.resources.map((r: { provider: string }) => r.provider)).toEqual([
    'provider["registry.opentofu.org/hashicorp/aws"]',
    'provider["registry.opentofu.org/hashicorp/aws"]',
  ]);
}, 240_000);

test("with --terraform-bin tofu, a failing stack is refused and never applied", async () => {
  const refused = deploy("unencrypted");
  expect(refused.status).toBe(1);
  expect(refused.stdout).toMatch(/DDB-ENC-001/);
  expect(refused.stderr).not.toMatch(/Apply complete/);
  expect((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(["sessions"]);
}, 240_000);
