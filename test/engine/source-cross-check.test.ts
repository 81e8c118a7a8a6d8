// Terraform source that is not what terraform planned is refused: it would decide verdicts of a plan
// it does not belong to (a --source folder of another stack turned -UNPROVABLE findings into a PASS).
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSourceModel, readPlan } from "../../src/engine";
import { FIXTURES, fixturePlan, runCli } from "../helpers/paths";

const scratch = mkdtempSync(join(tmpdir(), "ddb-guardrails-cross-check-"));
const plan = readPlan(fixturePlan("source-ignored-files"));

/** The fixture's folder with main.tf edited. */
function edited(name: string, edit: (text: string) => string): string {
  const dir = join(scratch, name);
  cpSync(join(FIXTURES, "source-ignored-files"), dir, { recursive: true });
  const main = join(dir, "main.tf");
  writeFileSync(main, edit(readFileSync(main, "utf8")));
  return dir;
}

const refused = (dir: string) => expect(buildSourceModel(dir, plan)).rejects;

describe("the source must be what terraform planned", () => {
  test("every fixture's own source matches its plan (no false refusals on real configurations)", async () => {
    const names = readdirSync(FIXTURES).filter(
      (name) =>
        existsSync(fixturePlan(name)) && readdirSync(join(FIXTURES, name)).some((f) => /\.tf(\.json)?$/.test(f)),
    );
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) await buildSourceModel(join(FIXTURES, name), readPlan(fixturePlan(name)));
  });

  test("the folder of another stack is refused, naming the first difference", async () => {
    await refused(join(FIXTURES, "enc-table-keys")).toThrow(
      "the source does not match the plan: the root module: aws_dynamodb_table.invalid_key_through_local is in the plan's configuration but not in the source",
    );
  });

  test("an argument that refers to something else is refused", async () => {
    const dir = edited("reference", (t) =>
      t.replace("kms_key_arn = local.key_arn", "kms_key_arn = aws_kms_key.tables.arn"),
    );
    await refused(dir).toThrow(
      "aws_dynamodb_table.invalid_key_through_local.server_side_encryption[0].kms_key_arn refers to aws_kms_key.tables in the source, to local.key_arn in the plan",
    );
  });

  test("another constant is refused", async () => {
    const dir = edited("constant", (t) =>
      t.replace('name                        = "through-local"', 'name = "elsewhere"'),
    );
    await refused(dir).toThrow(
      'aws_dynamodb_table.invalid_key_through_local.name is "elsewhere" in the source, "through-local" in the plan',
    );
  });

  test("a block more, a nested block less, a module call more are refused", async () => {
    await refused(edited("extra", (t) => `${t}\nresource "aws_kms_key" "extra" {}\n`)).toThrow(
      "aws_kms_key.extra is in the source but not in the plan's configuration",
    );
    await refused(
      edited("nested", (t) => t.replace(/ {2}point_in_time_recovery \{\n {4}enabled = true\n {2}\}\n\}\n$/, "}\n")),
    ).toThrow(
      "aws_dynamodb_table.invalid_key_through_local: point_in_time_recovery is set in the plan's configuration but not in the source",
    );
    await refused(edited("module", (t) => `${t}\nmodule "more" {\n  source = "./more"\n}\n`)).toThrow(/module\.more/);
  });

  test("count and for_each must be the same", async () => {
    const dir = edited("count", (t) =>
      t.replace('resource "aws_kms_key" "tables" {', 'resource "aws_kms_key" "tables" {\n  count = var.n'),
    );
    await refused(dir).toThrow(/aws_kms_key\.tables.*count/);
  });

  test("validate --source <another stack>: one line, exit 2, where the plan alone gave -UNPROVABLE", () => {
    const alone = runCli([
      "validate",
      fixturePlan("source-ignored-files"),
      "--source",
      join(FIXTURES, "enc-table-keys"),
      "--rules",
      "encryption",
    ]);
    expect(alone.status).toBe(2);
    expect(alone.stderr.trim().split("\n")).toHaveLength(1);
    expect(alone.stderr).toMatch(
      /the source does not match the plan: the root module: aws_dynamodb_table\.invalid_key_through_local/,
    );
  });
});
