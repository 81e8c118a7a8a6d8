// The source reader reads exactly the files terraform reads, refuses what it cannot model (override
// files, a module that calls itself) and stays within its bounds (nesting, module count, --timeout).
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSourceModel, loadBundle, readPlan, validatePlan } from "../../src/engine";
import {
  blockHeader,
  isConfigFile,
  MAX_MODULE_DEPTH,
  MAX_MODULES,
  readSourceModules,
} from "../../src/engine/source/files";
import { FIXTURES, fixturePlan, runCli } from "../helpers/paths";
import { scratchFolders } from "../helpers/scratch";

const fixture = join(FIXTURES, "source-ignored-files");
const plan = readPlan(fixturePlan("source-ignored-files"));
const { root: scratch, folder } = scratchFolders("ddb-guardrails-source-files-");

const calls = (...sources: string[]) =>
  sources.map((source, i) => `module "m${i}" {\n  source = "${source}"\n}\n`).join("");

describe("a block's first line", () => {
  test("is found by its labels as written, whatever characters they hold", () => {
    expect(blockHeader("resource", "aws_s3_bucket", "a(b").test('  resource "aws_s3_bucket" "a(b" {')).toBe(true);
    // A label is no pattern: ".*" matches only itself, and "(" no longer stops the run with a SyntaxError.
    expect(blockHeader("resource", "aws_s3_bucket", ".*").test('resource "aws_s3_bucket" "logs" {')).toBe(false);
    expect(blockHeader("output", "arn").test('output "arn" {')).toBe(true);
    expect(blockHeader("dynamic", "statement").test('    dynamic "statements" {')).toBe(false);
  });
});

describe("the files terraform reads", () => {
  test("names terraform's config loader ignores are not configuration", () => {
    expect(["main.tf", "x.tf.json", "#notes.tf", "cdk.tf.json"].filter(isConfigFile)).toHaveLength(4);
    expect(
      [".shadow.tf", ".x.tf.json", "main.tf~", "#main.tf#", "main.tf.bak", "main.tftest.hcl"].filter(isConfigFile),
    ).toEqual([]);
  });

  test("a local in an ignored file is not read: the one terraform planned is, and stays unprovable", async () => {
    const model = await buildSourceModel(fixture, plan);
    expect(model.locals[""].key_arn).toMatchObject({ references: ["aws_dynamodb_table.other.arn"] });
    const found = validatePlan(plan, { bundle: loadBundle(), source: model, rules: ["encryption"] }).violations;
    expect(found.map((f) => `${f.rule} ${f.address}`)).toEqual([
      "DDB-ENC-001-UNPROVABLE aws_dynamodb_table.invalid_key_through_local",
    ]);
  });

  test("a module call in an ignored file is not followed (the fixture's .shadow.tf calls its own folder)", async () => {
    const modules = await readSourceModules(fixture);
    expect(modules.map((m) => m.path)).toEqual([""]);
    expect(modules[0].files.map((f) => f.path.replace(`${fixture}/`, ""))).toEqual(["main.tf"]);
  });

  test("an override file is refused, naming it", async () => {
    const dir = join(scratch, "override");
    cpSync(fixture, dir, { recursive: true });
    writeFileSync(join(dir, "tables_override.tf"), "locals {\n  key_arn = aws_kms_key.tables.arn\n}\n");
    await expect(buildSourceModel(dir, plan)).rejects.toThrow(/tables_override\.tf: override files are not supported/);
  });
});

describe("bounded module trees", () => {
  test("a module that calls itself is refused at once, naming the call", async () => {
    const dir = folder("self", { "main.tf": calls("./") });
    const began = Date.now();
    await expect(readSourceModules(dir)).rejects.toThrow(
      "module.m0 calls ./, the directory of the root module: a module that calls itself never ends (terraform init refuses it too)",
    );
    expect(Date.now() - began).toBeLessThan(5000);
  });

  test("a cycle through two modules is refused", async () => {
    const dir = folder("cycle", { "main.tf": calls("./a"), "a/main.tf": calls("../b"), "b/main.tf": calls("../a") });
    await expect(readSourceModules(dir)).rejects.toThrow(
      /module\.m0\.module\.m0\.module\.m0 calls \.\.\/a, the directory of module\.m0:/,
    );
  });

  test(`nesting deeper than ${MAX_MODULE_DEPTH} levels is refused`, async () => {
    const files: Record<string, string> = { "main.tf": calls("./d1") };
    for (let i = 1; i <= MAX_MODULE_DEPTH + 1; i++) files[`d${i}/main.tf`] = calls(`../d${i + 1}`);
    files[`d${MAX_MODULE_DEPTH + 2}/main.tf`] = "";
    await expect(readSourceModules(folder("deep", files))).rejects.toThrow(
      `modules are nested deeper than ${MAX_MODULE_DEPTH} levels`,
    );
  });

  /** Each level calls the next twice: 2^levels module instances from `levels` folders. */
  const fanOut = (name: string, levels: number): string => {
    const files: Record<string, string> = { "main.tf": calls("./l1", "./l1") };
    for (let i = 1; i < levels; i++) files[`l${i}/main.tf`] = calls(`../l${i + 1}`, `../l${i + 1}`);
    files[`l${levels}/main.tf`] = "";
    return folder(name, files);
  };

  test(`a tree of more than ${MAX_MODULES} module instances is refused`, async () => {
    await expect(readSourceModules(fanOut("wide", 20))).rejects.toThrow(
      `the configuration calls more than ${MAX_MODULES} modules`,
    );
  });

  test("reading the source stops at the timeout", async () => {
    await expect(buildSourceModel(fanOut("slow", 13), plan, { timeoutSeconds: 0.05 })).rejects.toThrow(
      "reading the Terraform source did not finish within 0.05 s (--timeout)",
    );
  });

  test("validate --source with a module that calls itself: one line, exit 2", () => {
    const dir = folder("self-cli", { "main.tf": calls("./") });
    const run = runCli(["validate", fixturePlan("source-ignored-files"), "--source", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/the Terraform source could not be read \(module\.m0 calls \.\/, .*calls itself/);
  });
});
