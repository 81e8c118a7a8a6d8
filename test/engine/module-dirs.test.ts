// One module resolver for the source reader (engine) and the finding locations (runner): each kind of
// module source terraform accepts, where terraform finds it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isLocalSource, ModuleDirs, type Plan } from "../../src/engine";
import { readSourceModules } from "../../src/engine/source/files";
import { hclLocations } from "../../src/runner/locations";
import { scratchFolders } from "../helpers/scratch";

const { root: scratch, folder } = scratchFolders("ddb-guardrails-module-dirs-");

interface ManifestEntry {
  Key: string;
  Source: string;
  Version?: string;
  Dir: string;
}

/** .terraform/modules/modules.json as `terraform init` writes it (Dir relative to the root module). */
const manifest = (modules: ManifestEntry[]) =>
  JSON.stringify({ Modules: [{ Key: "", Source: "", Dir: "." }, ...modules] });

describe("module sources", () => {
  test("local paths are terraform's: ./ and ../, with a backslash read as a slash", () => {
    expect(["./x", "../x", "./", ".\\x", "..\\x"].filter(isLocalSource)).toHaveLength(5);
    const remote = [
      "x",
      ".",
      "..",
      "terraform-aws-modules/vpc/aws",
      "git::https://example.com/m.git",
      "s3::https://b/m.zip",
    ];
    expect(remote.filter(isLocalSource)).toEqual([]);
  });

  test("a local source is found from the directory of the module that calls it, init or not", () => {
    const dirs = ModuleDirs.of(join(scratch, "no-init"));
    expect(dirs.dirOf("/work/stack", "./modules/table", ["table"])).toBe("/work/stack/modules/table");
    expect(dirs.dirOf("/work/stack/modules/table", "../kms", ["table", "kms"])).toBe("/work/stack/modules/kms");
    expect(dirs.dirOf("/work/stack", ".\\modules\\table", ["table"])).toBe("/work/stack/modules/table");
  });

  test("registry and git sources are found where terraform init installed them, nested calls by their key path", () => {
    const vpc = "registry.terraform.io/terraform-aws-modules/vpc/aws";
    const label = "git::https://example.com/label.git//modules/null?ref=v1";
    const root = folder("installed", {
      ".terraform/modules/modules.json": manifest([
        { Key: "vpc", Source: vpc, Version: "5.21.0", Dir: ".terraform/modules/vpc" },
        {
          Key: "vpc.endpoints",
          Source: "./modules/vpc-endpoints",
          Dir: ".terraform/modules/vpc/modules/vpc-endpoints",
        },
        { Key: "label", Source: label, Dir: ".terraform/modules/label/modules/null" },
      ]),
    });
    const dirs = ModuleDirs.of(root);
    expect(dirs.dirOf(root, "terraform-aws-modules/vpc/aws", ["vpc"])).toBe(join(root, ".terraform/modules/vpc"));
    expect(dirs.dirOf(root, label, ["label"])).toBe(join(root, ".terraform/modules/label/modules/null"));
    // A module with the same name called somewhere else is another key: not found, never guessed.
    expect(dirs.dirOf(root, "terraform-aws-modules/vpc/aws", ["other", "vpc"])).toBeUndefined();
    // A local call inside an installed module is read from the installed copy.
    expect(dirs.dirOf(join(root, ".terraform/modules/vpc"), "./modules/vpc-endpoints", ["vpc", "endpoints"])).toBe(
      join(root, ".terraform/modules/vpc/modules/vpc-endpoints"),
    );
  });

  test("without init, or with a manifest that cannot be read, a remote source stays unresolved", () => {
    const broken = folder("broken", { ".terraform/modules/modules.json": '{"Modules": [' });
    const wrongShape = folder("wrong-shape", { ".terraform/modules/modules.json": '{"Modules": [{"Key": 1}, null]}' });
    for (const root of [join(scratch, "no-init"), broken, wrongShape])
      expect(ModuleDirs.of(root).dirOf(root, "terraform-aws-modules/vpc/aws", ["vpc"])).toBeUndefined();
  });

  test("terraform init records local calls too, in the directories a local path gives", () => {
    const dir = folder("init", {
      "main.tf": 'module "table" {\n  source = "./modules/table"\n}\n',
      "modules/table/main.tf": 'module "key" {\n  source = "../key"\n}\n',
      "modules/key/main.tf": "",
    });
    execFileSync("terraform", ["init", "-input=false", "-backend=false"], { cwd: dir, stdio: "ignore" });
    const written = JSON.parse(readFileSync(join(dir, ".terraform/modules/modules.json"), "utf8")) as {
      Modules: ManifestEntry[];
    };
    const calls = written.Modules.filter((m) => m.Key);
    expect(calls.map((m) => m.Key).sort()).toEqual(["table", "table.key"]);
    const callers: Record<string, string> = { table: dir, "table.key": join(dir, "modules/table") };
    const dirs = ModuleDirs.of(dir);
    for (const call of calls)
      expect(dirs.dirOf(callers[call.Key], call.Source, call.Key.split("."))).toBe(resolve(dir, call.Dir));
  });
});

describe("the source reader and the finding locations resolve the same directories", () => {
  test("a local call and an installed one", async () => {
    const root = folder("shared/root", {
      "main.tf": 'module "local" {\n  source = "../local"\n}\nmodule "remote" {\n  source = "example/remote/aws"\n}\n',
      ".terraform/modules/modules.json": manifest([
        { Key: "local", Source: "../local", Dir: "../local" },
        {
          Key: "remote",
          Source: "registry.terraform.io/example/remote/aws",
          Version: "1.0.0",
          Dir: ".terraform/modules/remote",
        },
      ]),
      ".terraform/modules/remote/main.tf": 'resource "aws_kms_key" "remote" {}\n',
    });
    folder("shared/local", { "main.tf": '\nresource "aws_kms_key" "local" {}\n' });
    const change = (module: string, name: string) => ({
      address: `module.${module}.aws_kms_key.${name}`,
      module_address: `module.${module}`,
      mode: "managed",
      type: "aws_kms_key",
      name,
    });
    const plan = {
      resource_changes: [change("local", "local"), change("remote", "remote")],
      configuration: {
        root_module: { module_calls: { local: { source: "../local" }, remote: { source: "example/remote/aws" } } },
      },
    } as unknown as Plan;

    const modules = await readSourceModules(root);
    expect(Object.fromEntries(modules.map((m) => [m.path, m.dir]))).toEqual({
      "": root,
      "module.local": join(scratch, "shared/local"),
      "module.remote": join(root, ".terraform/modules/remote"),
    });
    expect(Object.fromEntries(hclLocations(plan, root, scratch))).toEqual({
      "module.local.aws_kms_key.local": { file: "shared/local/main.tf", line: 2 },
      "module.remote.aws_kms_key.remote": { file: "shared/root/.terraform/modules/remote/main.tf", line: 1 },
    });
  });
});
