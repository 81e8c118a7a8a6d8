// The parse cache: a run that finds every file in it reads the same model as a run that parses, without
// starting the parser; an entry stands only for the text it was made from, and one that does not check
// out is parsed again and replaced, never used.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPlan, type Plan } from "../../src/engine";
import { PARSER } from "../../src/engine/source/hcl";
import type { buildSourceModel } from "../../src/engine/source/source-model";
import { FIXTURES, fixturePlan } from "../helpers/paths";

const HCL = "../../src/engine/source/hcl";
const home = process.env.XDG_CACHE_HOME;
let cacheHome: string;
beforeEach(() => {
  cacheHome = mkdtempSync(join(tmpdir(), "parse-cache-"));
  process.env.XDG_CACHE_HOME = cacheHome;
});
afterEach(() => {
  if (home === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = home;
  rmSync(cacheHome, { recursive: true, force: true });
});

/**
 * buildSourceModel as a new process has it: nothing parsed in memory. With `parser: false` the HCL
 * parser cannot be started (hcl2json, which starts its thread, throws): a build that needs it fails.
 * `version`: the parser's package says so.
 */
function freshBuild({ parser, version }: { parser: boolean; version?: string }): typeof buildSourceModel {
  let build!: typeof buildSourceModel;
  jest.isolateModules(() => {
    if (version) jest.doMock(`${PARSER}/package.json`, () => ({ version }));
    else jest.dontMock(`${PARSER}/package.json`);
    if (parser) jest.dontMock(HCL);
    else
      jest.doMock(HCL, () => ({
        ...jest.requireActual(HCL),
        hcl2json: () => {
          throw new Error("the HCL parser was started");
        },
      }));
    build = require("../../src/engine/source/source-model").buildSourceModel;
  });
  return build;
}

/** Every entry file under the cache home. */
function entries(dir = cacheHome): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? entries(join(dir, e.name)) : [join(dir, e.name)],
  );
}

// Modules through local paths, a .tf.json module tree (terraform/), for_each expansion.
const fixtures = ["source-cloudposse-dynamodb", "terraform-modules-stream-archive", "model-for-each"];

test.each(fixtures)("%s: the model read from the cache is the parsed one, and no parser starts", async (name) => {
  const plan = readPlan(fixturePlan(name));
  const parsed = await freshBuild({ parser: true })(join(FIXTURES, name), plan);
  expect(entries().length).toBeGreaterThan(0);
  const cached = await freshBuild({ parser: false })(join(FIXTURES, name), plan);
  expect(cached).toEqual(parsed);
});

test("entries that do not check out are parsed again and replaced, never used", async () => {
  const name = "source-cloudposse-dynamodb";
  const plan = readPlan(fixturePlan(name));
  const parsed = await freshBuild({ parser: true })(join(FIXTURES, name), plan);
  const template = /"\$\{[^"]*\}"/;
  const edited = entries().find((e) => template.test(readFileSync(e, "utf8")))!;
  const [cut, first, second] = entries().filter((e) => e !== edited);
  writeFileSync(cut, readFileSync(cut, "utf8").slice(0, 200));
  // A value changed, checksum kept: the body it claims is not the one the checksum is of.
  writeFileSync(edited, readFileSync(edited, "utf8").replace(template, '"${local.tampered}"'));
  // Two entries under each other's names: each holds the key of other text.
  renameSync(first, `${first}.x`);
  renameSync(second, first);
  renameSync(`${first}.x`, second);
  expect(readFileSync(edited, "utf8")).toContain("local.tampered");

  expect(await freshBuild({ parser: true })(join(FIXTURES, name), plan)).toEqual(parsed);
  // Replaced by sound entries: the next run needs no parser.
  expect(await freshBuild({ parser: false })(join(FIXTURES, name), plan)).toEqual(parsed);
});

test("entries of another parser version are not used: the file is parsed again", async () => {
  const name = "model-for-each";
  const plan = readPlan(fixturePlan(name));
  const parsed = await freshBuild({ parser: true, version: "0.0.0-other" })(join(FIXTURES, name), plan);
  const other = entries();
  expect(other.length).toBeGreaterThan(0);
  await expect(freshBuild({ parser: false })(join(FIXTURES, name), plan)).rejects.toThrow("the HCL parser was started");
  expect(await freshBuild({ parser: true })(join(FIXTURES, name), plan)).toEqual(parsed);
  // The other version's entries stay apart, under their own folder.
  expect(entries().filter((e) => !other.includes(e))).toHaveLength(other.length);
});

test("a file edited since it was cached is read as it is now", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parse-cache-source-"));
  try {
    mkdirSync(dir, { recursive: true });
    const plan: Plan = { format_version: "1.2", resource_changes: [] };
    const write = (key: string) =>
      writeFileSync(join(dir, "main.tf"), `locals {\n  key  = "${key}"\n  name = local.key\n}\n`);
    write("first");
    const before = await freshBuild({ parser: true })(dir, plan);
    expect(before.locals[""].name).toMatchObject({ constant_value: "first" });
    write("second");
    const after = await freshBuild({ parser: true })(dir, plan);
    expect(after.locals[""].name).toMatchObject({ constant_value: "second" });
    expect(entries()).toHaveLength(2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
