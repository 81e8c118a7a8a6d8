// The HCL parser runs in a thread of its own (src/engine/source/hcl.ts): its answers and its errors
// reach the caller, and an idle parser never keeps a process alive.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { hcl2json } from "../../src/engine/source/hcl";
import { ROOT } from "../helpers/paths";

test("a file parses to hcl2json's JSON, an expression to its syntax tree", async () => {
  const parser = hcl2json();
  expect(await parser.parse("main.tf", 'resource "aws_dynamodb_table" "t" {\n  name = var.name\n}\n')).toEqual({
    resource: { aws_dynamodb_table: { t: [{ name: "${var.name}" }] } },
  });
  const ast = await parser.getExpressionAst("source.tf", '"${var.name}"');
  expect(ast?.type).toBe("templateWrap");
});

test("a syntax error is the parser's error, naming file and line", async () => {
  await expect(hcl2json().parse("broken.tf", 'resource "a" "b" {\n  name = \n}\n')).rejects.toThrow(/broken\.tf:2/);
});

test.each([
  ["started and told to compile, never asked", "hcl2json()"],
  ["started only", "startHclParser()"],
  ["after a parse", 'hcl2json().parse("a.tf", "").then(() => {})'],
])("a process with an idle parser thread exits by itself: %s", (_, call) => {
  const hcl = join(ROOT, "dist", "src", "engine", "source", "hcl.js");
  const run = spawnSync(
    process.execPath,
    ["-e", `const { hcl2json, startHclParser } = require(${JSON.stringify(hcl)}); ${call};`],
    {
      encoding: "utf8",
      timeout: 20_000,
    },
  );
  expect(run.error).toBeUndefined(); // spawnSync's timeout: the process did not end
  expect(run.status).toBe(0);
});

test("npm run build ships the parser's wasm unzipped, byte for byte the package's", () => {
  const pkg = join(ROOT, "node_modules", "@cdktn", "hcl2json");
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
  const shipped = readFileSync(join(ROOT, "dist", "src", "engine", "source", `hcl2json-${version}.wasm`));
  expect(shipped.equals(gunzipSync(readFileSync(join(pkg, "main.wasm.gz"))))).toBe(true);
});
