// Snowy's session stack (main.ts): provider modes, what the stack creates, and one real offline
// `terraform plan` of it whose JSON must pass every guardrail.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";
import {
  buildApp,
  SESSION_KEY_ALIAS,
  SESSION_TTL_SECONDS,
  SESSION_WRITER_SOURCE,
  SnowySessionsStack,
  STACK_NAME,
  synthesize,
} from "../../app/stack";
import {
  awsProviderConfig,
  deploymentSettings,
  OFFLINE_ACCOUNT_ID,
  OFFLINE_CREDENTIAL,
  USED_SERVICES,
} from "../../modules";
import { testApp } from "../helpers/cdktf-app";
import { runCli } from "../helpers/paths";

Testing.setupJest();

type Json = Record<string, any>;
const synthStack = (env: NodeJS.ProcessEnv): Json => {
  const stack = new SnowySessionsStack(testApp(), STACK_NAME, { settings: deploymentSettings(env) });
  return JSON.parse(Testing.synth(stack));
};
const all = (doc: Json, type: string): Json[] => Object.values(doc.resource[type] ?? {});

describe("deployment settings", () => {
  test("real AWS by default: no skipped checks, no endpoints, account from STS", () => {
    const settings = deploymentSettings({});
    expect(settings).toEqual({
      region: "eu-west-1",
      accountId: undefined,
      offline: false,
      endpoint: undefined,
      emulator: false,
    });
    expect(awsProviderConfig(settings)).toEqual({ region: "eu-west-1" });
  });

  test("offline: placeholder credentials, every check that calls AWS is skipped, and the account id comes from configuration", () => {
    const settings = deploymentSettings({ DDB_GUARDRAILS_OFFLINE: "1", DDB_GUARDRAILS_REGION: "us-west-2" });
    expect(settings.accountId).toBe(OFFLINE_ACCOUNT_ID);
    expect(awsProviderConfig(settings)).toEqual({
      region: "us-west-2",
      accessKey: OFFLINE_CREDENTIAL,
      secretKey: OFFLINE_CREDENTIAL,
      skipCredentialsValidation: true,
      skipRequestingAccountId: true,
      skipMetadataApiCheck: "true",
      skipRegionValidation: true,
    });
  });

  test("an endpoint points every used service at it, with path-style S3 and one retry, and implies emulator mode", () => {
    const settings = deploymentSettings({
      DDB_GUARDRAILS_ENDPOINT: "http://127.0.0.1:4566",
      DDB_GUARDRAILS_ACCOUNT_ID: "123456789012",
    });
    expect(settings).toEqual(expect.objectContaining({ offline: true, emulator: true, accountId: "123456789012" }));
    const config = awsProviderConfig(settings);
    expect(config.endpoints).toEqual([Object.fromEntries(USED_SERVICES.map((s) => [s, "http://127.0.0.1:4566"]))]);
    expect(config).toEqual(
      expect.objectContaining({ s3UsePathStyle: true, maxRetries: 1, skipCredentialsValidation: true }),
    );
  });

  test.each([
    [{ DDB_GUARDRAILS_ENDPOINT: "localhost:4566" }, /DDB_GUARDRAILS_ENDPOINT must be an http\(s\) URL/],
    [
      { DDB_GUARDRAILS_OFFLINE: "1", DDB_GUARDRAILS_ACCOUNT_ID: "12345" },
      /DDB_GUARDRAILS_ACCOUNT_ID must be 12 digits, got "12345"/,
    ],
  ])("rejects bad configuration %j", (env, message) => {
    expect(() => deploymentSettings(env)).toThrow(message);
  });
});

describe("snowy-sessions stack", () => {
  const doc = synthStack({ DDB_GUARDRAILS_OFFLINE: "1" });

  test("encrypts the session table with the CMK behind alias/snowy-session-key, rotation on", () => {
    expect(all(doc, "aws_kms_alias").map((a) => a.name)).toContain(SESSION_KEY_ALIAS);
    const table = all(doc, "aws_dynamodb_table")[0];
    expect(table).toEqual(
      expect.objectContaining({
        name: "snowy-sessions",
        hash_key: "username",
        ttl: { enabled: true, attribute_name: "expiresAt" },
        stream_view_type: "NEW_AND_OLD_IMAGES",
        point_in_time_recovery: { enabled: true },
        deletion_protection_enabled: true,
      }),
    );
    for (const key of all(doc, "aws_kms_key")) expect(key.enable_key_rotation).toBe(true);
  });

  test("runs the session writer in the private subnets with a 30-minute session lifetime", () => {
    const fn = all(doc, "aws_lambda_function")[0];
    expect(fn.vpc_config.subnet_ids).toHaveLength(2);
    expect(fn.environment.variables.SESSION_TTL_SECONDS).toBe(String(SESSION_TTL_SECONDS));
    expect(SESSION_TTL_SECONDS).toBe(1800);
    expect(SESSION_WRITER_SOURCE).toContain("expiresAt: now + ttlSeconds");
    expect(all(doc, "aws_internet_gateway")).toHaveLength(0);
    expect(all(doc, "aws_nat_gateway")).toHaveLength(0);
    for (const subnet of all(doc, "aws_subnet")) expect(subnet.map_public_ip_on_launch).toBe(false);
  });

  test("plans offline: the provider makes no AWS call and no data source needs AWS", () => {
    expect(doc.provider.aws[0]).toEqual(
      expect.objectContaining({
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_region_validation: true,
      }),
    );
    expect(Object.keys(doc.data ?? {}).filter((type) => type !== "aws_iam_policy_document")).toEqual([]);
  });

  test("in emulator mode leaves out Contributor Insights and creates the trail with logging off", () => {
    const emulated = synthStack({ DDB_GUARDRAILS_ENDPOINT: "http://127.0.0.1:4566" });
    expect(all(emulated, "aws_dynamodb_contributor_insights")).toHaveLength(0);
    expect(all(emulated, "aws_cloudtrail")[0].enable_logging).toBe(false);
    expect(emulated.provider.aws[0]).toEqual(expect.objectContaining({ s3_use_path_style: true, max_retries: 1 }));
    expect(Object.keys(emulated.provider.aws[0].endpoints[0]).sort()).toEqual([...USED_SERVICES].sort());
    expect(all(doc, "aws_dynamodb_contributor_insights")).toHaveLength(1);
    expect(all(doc, "aws_cloudtrail")[0].enable_logging).toBe(true);
  });
});

describe("snowy-sessions offline plan", () => {
  const outdir = mkdtempSync(join(tmpdir(), "snowy-plan-"));
  const env = { ...process.env, DDB_GUARDRAILS_OFFLINE: "1", DDB_GUARDRAILS_STATE_FILE: "plan-only.tfstate" };
  let stackDir = "";
  let plan: Json = {};

  beforeAll(() => {
    stackDir = synthesize(buildApp(env, outdir));
    const tf = (args: string[]) =>
      execFileSync("terraform", args, { cwd: stackDir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    // The committed lock file lets a fresh output folder initialise from the offline mirror without rewriting it.
    tf(["init", "-input=false", "-no-color", "-lockfile=readonly"]);
    tf(["plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", "-out=tfplan"]);
    const json = tf(["show", "-json", "tfplan"]);
    writeFileSync(join(stackDir, "plan.json"), json);
    plan = JSON.parse(json);
  }, 300_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("the synthesized stack carries the provider lock file", () => {
    expect(existsSync(join(stackDir, ".terraform.lock.hcl"))).toBe(true);
    expect(readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8")).toContain('version     = "5.100.0"');
  });

  test("creates the whole stack and nothing else", () => {
    const managed = plan.resource_changes.filter((c: Json) => c.mode === "managed");
    const actions = new Set(managed.map((c: Json) => c.change.actions.join(",")));
    expect([...actions]).toEqual(["create"]);
    const types = new Set(managed.map((c: Json) => c.type));
    for (const type of [
      "aws_dynamodb_table",
      "aws_kms_alias",
      "aws_vpc_endpoint",
      "aws_iam_policy",
      "aws_lambda_function",
      "aws_cloudtrail",
      "aws_cloudwatch_metric_alarm",
      "aws_pipes_pipe",
      "aws_s3_bucket_object_lock_configuration",
    ]) {
      expect(types).toContain(type);
    }
  });

  test("passes every guardrail with zero violations", () => {
    const result = runCli(["validate", join(stackDir, "plan.json"), "--format", "json"], { env });
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout);
    expect(report.violations).toEqual([]);
    expect(report.summary).toEqual(expect.objectContaining({ violations: 0, passed: true }));
    expect(result.status).toBe(0);
  });

  test("the gate does fail a weakened copy of the same plan (the check is live)", () => {
    // Remove the table's CMK from the plan: the same gate must now report it.
    const weakened = JSON.parse(JSON.stringify(plan));
    const table = weakened.resource_changes.find((c: Json) => c.type === "aws_dynamodb_table");
    table.change.after.server_side_encryption = [];
    table.change.after_unknown.server_side_encryption = false;
    const result = runCli(["validate", "-", "--format", "json"], { env, input: JSON.stringify(weakened) });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).violations.map((v: Json) => v.rule)).toContain("DDB-ENC-001");
  });

  test("a second synth into a fresh folder initialises offline the first time", () => {
    const fresh = mkdtempSync(join(tmpdir(), "snowy-fresh-"));
    try {
      const dir = synthesize(buildApp(env, fresh));
      const init = spawnSync("terraform", ["init", "-input=false", "-no-color", "-lockfile=readonly"], {
        cwd: dir,
        env,
        encoding: "utf8",
      });
      expect(init.stderr).toBe("");
      expect(init.status).toBe(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
