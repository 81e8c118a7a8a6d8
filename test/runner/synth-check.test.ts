// The synth-time gate for plain `cdktf deploy`: an app that calls checkSynthesizedStacks after
// app.synth() exits 1 with the findings when a stack breaks a guardrail, 0 when it passes.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/paths";

const app = (stack: "encrypted" | "unencrypted") => `
const { App, TerraformStack } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { DynamodbTable } = require("@cdktf/provider-aws/lib/dynamodb-table");
const { KmsKey } = require("@cdktf/provider-aws/lib/kms-key");
const { checkSynthesizedStacks } = require(${JSON.stringify(join(ROOT, "dist", "src", "runner", "synth-check"))});
const app = new App({ outdir: "cdktf.out" });
const stack = new TerraformStack(app, "${stack}");
new AwsProvider(stack, "aws", { region: "eu-west-1", accessKey: "test", secretKey: "test", skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: "true", skipRegionValidation: true });
const key = new KmsKey(stack, "key", { enableKeyRotation: true });
new DynamodbTable(stack, "table", {
  name: "sessions", billingMode: "PAY_PER_REQUEST", hashKey: "pk", attribute: [{ name: "pk", type: "S" }],
  ${stack === "encrypted" ? "serverSideEncryption: { enabled: true, kmsKeyArn: key.arn }," : ""}
});
app.synth();
checkSynthesizedStacks(app, { rules: ["encryption"] });
`;

describe("checkSynthesizedStacks (one line after app.synth())", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "synth-check-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const synth = (stack: "encrypted" | "unencrypted") => {
    writeFileSync(join(dir, "main.js"), app(stack));
    return spawnSync(process.execPath, ["main.js"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") },
    });
  };

  test("a stack that breaks a guardrail stops the synth with exit 1 and the findings on stderr", () => {
    const run = synth("unencrypted");
    expect(run.stderr).toMatch(/ddb-guardrails: stack unencrypted/);
    expect(run.stderr).toMatch(/aws_dynamodb_table\.table\s+DDB-ENC-001/);
    expect(run.status).toBe(1);
  });

  test("a compliant stack passes with exit 0", () => {
    const run = synth("encrypted");
    expect(run.stderr).toMatch(/PASS \(\d+ of \d+ rules; only encryption ran\) 0 violations/);
    expect(run.status).toBe(0);
  });
});

describe("checkSynthesizedStacks never passes an app it cannot check", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "synth-check-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string) => {
    writeFileSync(join(dir, "main.js"), script);
    return spawnSync(process.execPath, ["main.js"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") },
    });
  };
  const check = `require(${JSON.stringify(join(ROOT, "dist", "src", "runner", "synth-check"))}).checkSynthesizedStacks`;

  test("an app without stacks exits 2 with one line", () => {
    const result = run(`const { App } = require("cdktf");
const app = new App({ outdir: "cdktf.out" });
app.synth();
${check}(app);`);
    expect(result.stderr).toBe(
      "ddb-guardrails: error: the app has no stack to check: pass the App whose stacks were synthesized, after app.synth()\n",
    );
    expect(result.status).toBe(2);
  });

  test("stacks made by a second copy of cdktf exit 2, naming the copies", () => {
    // The app's own copy of cdktf, as a project gets when cdktf is installed twice.
    mkdirSync(join(dir, "node_modules"));
    execFileSync("cp", ["-al", join(ROOT, "node_modules", "cdktf"), join(dir, "node_modules", "cdktf")]);
    const result = run(`const { App, TerraformStack } = require("./node_modules/cdktf");
const app = new App({ outdir: "cdktf.out" });
new TerraformStack(app, "orders");
app.synth();
${check}(app);`);
    expect(result.stderr).toMatch(
      /^ddb-guardrails: error: the app's stacks \(orders\) come from another copy of cdktf than ddb-guardrails loads .*npm ls cdktf.*\n$/,
    );
    expect(result.status).toBe(2);
  });

  test("a stack named in options that the app lacks exits 2", () => {
    const result = run(`const { App, TerraformStack } = require("cdktf");
const app = new App({ outdir: "cdktf.out" });
new TerraformStack(app, "orders");
app.synth();
${check}(app, { stacks: ["order"] });`);
    expect(result.stderr).toBe("ddb-guardrails: error: no stack named order in the app (its stacks: orders)\n");
    expect(result.status).toBe(2);
  });
});
