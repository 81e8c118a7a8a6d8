// The source model: what the Terraform source adds to a plan, built from small source trees.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSourceModel, type Plan } from "../../src/engine";
import { evaluate, type EvalContext } from "../../src/engine/source/evaluate-expression";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "source-model-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** A plan that holds just these resource instances (what the source model asks of a plan). */
function planOf(...addresses: string[]): Plan {
  return {
    format_version: "1.2",
    resource_changes: addresses.map((address) => {
      const match =
        /^(?:(module\.[a-z0-9_]+(?:\.module\.[a-z0-9_]+)*)\.)?(data\.)?([a-z0-9_]+)\.([a-z0-9_]+)(?:\[(.+)\])?$/.exec(
          address,
        )!;
      const index = match[5] === undefined ? undefined : JSON.parse(match[5]);
      return {
        address,
        module_address: match[1],
        mode: match[2] ? "data" : "managed",
        type: match[3],
        name: match[4],
        index,
        change: { actions: ["create"] },
      };
    }),
  } as Plan;
}

const noNames: EvalContext = { bindings: new Map(), traverse: async () => ({ kind: "unknown", why: "no names here" }) };

describe("expressions", () => {
  test.each([
    ['${lookup({a = 1}, "a", null)}', { kind: "known", value: 1 }],
    ['${lookup({a = 1}, "b", null)}', { kind: "known", value: null }],
    ['${try({a = 1}.b, "fallback")}', { kind: "known", value: "fallback" }],
    ['${coalesce(null, "", "x")}', { kind: "known", value: "x" }],
    ["${true && !false ? 1 : 2}", { kind: "known", value: 1 }],
    ['${element(["a", "b"], 3)}', { kind: "known", value: "b" }],
    [
      '${jsonencode({"k:1" = ["$${aws:username}"], n = 2})}',
      { kind: "known", value: '{"k:1":["${aws:username}"],"n":2}' },
    ],
    [
      '${{ for k, v in {a = 1, b = 2} : k => v if k != "b" }}',
      { kind: "map", fields: { a: { kind: "known", value: 1 } } },
    ],
  ])("%s", async (text, expected) => {
    expect(await evaluate(text, noNames)).toEqual(expected);
  });

  test("functions outside the subset over unknown names stay unknown", async () => {
    expect((await evaluate("${upper(var.x)}", noNames)).kind).toBe("unknown");
  });

  // cloudposse/label/null: try(contains(var.context.labels_as_tags, "unset"), true) is a boolean,
  // not the list it is computed from.
  const knownVars: EvalContext = {
    bindings: new Map(),
    traverse: async (root, segments) =>
      root === "var"
        ? { kind: "known", value: ["unset"] }
        : { kind: "refs", module: "", refs: [`${root}.${segments.map((s) => ("name" in s ? s.name : "")).join(".")}`] },
  };

  test.each(["${upper(var.x)}", '${try(contains(var.labels, "unset"), true)}', "${concat(var.a, aws_kms_key.k.arn)}"])(
    "functions outside the subset over values known in source are unknown, not one of those values: %s",
    async (text) => {
      expect((await evaluate(text, knownVars)).kind).toBe("unknown");
    },
  );

  test("functions outside the subset over references only derive from them, as in plan JSON", async () => {
    expect(await evaluate('${join("", aws_dynamodb_table.t.arn)}', knownVars)).toEqual({
      kind: "any",
      values: [{ kind: "refs", module: "", refs: ["aws_dynamodb_table.t.arn"] }],
    });
  });
});

describe("buildSourceModel", () => {
  test("a local choosing with try() the resource the plan creates, per module, with file:line", async () => {
    write({
      "main.tf": 'module "net" {\n  source = "./net"\n}\n',
      "net/main.tf": [
        "locals {",
        '  vpc_id = try(aws_vpc_ipv4_cidr_block_association.this[0].vpc_id, aws_vpc.this[0].id, "")',
        "}",
        'resource "aws_vpc" "this" {',
        "  count = 1",
        "}",
      ].join("\n"),
    });
    const model = await buildSourceModel(dir, planOf("module.net.aws_vpc.this[0]"));
    expect(model.locals["module.net"].vpc_id).toEqual({
      references: ["aws_vpc.this[0].id"],
      module: "module.net",
      source_location: `${join(dir, "net", "main.tf")}:2`,
    });
  });

  test("a local's line is its own, not that of a map key of the same name or of an earlier locals block", async () => {
    write({
      "main.tf": [
        "locals {",
        "  defaults = {",
        '    delimiter = "-"',
        "  }",
        "}",
        'resource "aws_kms_key" "k" {}',
        "locals {",
        "  delimiter = local.defaults.delimiter",
        "  key_arn   = aws_kms_key.k.arn",
        "}",
      ].join("\n"),
    });
    const model = await buildSourceModel(dir, planOf("aws_kms_key.k"));
    const at = (line: number) => `${join(dir, "main.tf")}:${line}`;
    expect(model.locals[""]).toEqual({
      defaults: { constant_value: { delimiter: "-" }, source_location: at(2) },
      delimiter: { constant_value: "-", source_location: at(8) },
      key_arn: { references: ["aws_kms_key.k.arn"], module: "", source_location: at(9) },
    });
  });

  test("a dynamic block over a module variable expands to the caller's elements and references", async () => {
    write({
      "main.tf": [
        'module "t" {',
        '  source = "./t"',
        '  replica_regions = [{ region_name = "eu-west-2", kms_key_arn = aws_kms_key.r.arn }, { region_name = "us-east-1" }]',
        "}",
      ].join("\n"),
      "t/main.tf": [
        'variable "replica_regions" {',
        "  default = []",
        "}",
        'resource "aws_dynamodb_table" "this" {',
        '  dynamic "replica" {',
        "    for_each = var.replica_regions",
        "    content {",
        "      region_name = replica.value.region_name",
        '      kms_key_arn = lookup(replica.value, "kms_key_arn", null)',
        "    }",
        "  }",
        "}",
      ].join("\n"),
    });
    const model = await buildSourceModel(dir, planOf("module.t.aws_dynamodb_table.this", "aws_kms_key.r"));
    const at = `${join(dir, "t", "main.tf")}:5`;
    expect(model.blocks["module.t.aws_dynamodb_table.this"].replica).toEqual([
      {
        region_name: { constant_value: "eu-west-2", source_location: at },
        kms_key_arn: { references: ["aws_kms_key.r.arn"], module: "", source_location: at },
      },
      {
        region_name: { constant_value: "us-east-1", source_location: at },
        kms_key_arn: { constant_value: null, source_location: at },
      },
    ]);
    expect(model.dynamic["module.t.aws_dynamodb_table.this"]).toEqual(["replica"]);
  });

  test("a data source's constant configuration per for_each instance; registry modules through modules.json", async () => {
    write({
      "main.tf":
        'module "ep" {\n  source = "terraform-aws-modules/vpc/aws//modules/vpc-endpoints"\n  endpoints = { dynamodb = { service = "dynamodb" } }\n}\n',
      ".terraform/modules/modules.json": JSON.stringify({
        Modules: [
          { Key: "", Dir: "." },
          { Key: "ep", Dir: "installed/ep" },
        ],
      }),
      "installed/ep/main.tf": [
        'variable "endpoints" {}',
        'data "aws_vpc_endpoint_service" "this" {',
        "  for_each = var.endpoints",
        "  service  = try(each.value.service, null)",
        "  service_name = try(each.value.service_name, null)",
        "}",
      ].join("\n"),
    });
    const model = await buildSourceModel(dir, planOf('module.ep.data.aws_vpc_endpoint_service.this["dynamodb"]'));
    expect(model.data['module.ep.data.aws_vpc_endpoint_service.this["dynamodb"]']).toEqual({
      values: { service: "dynamodb", service_name: null },
      source_location: `${join(dir, "installed", "ep", "main.tf")}:2`,
    });
  });

  test("what cannot be followed is left out (the policies keep it unresolved), and missing modules are named", async () => {
    write({
      "main.tf":
        'module "gone" {\n  source = "git::https://example.invalid/m.git"\n}\nlocals {\n  name = upper(var.prefix)\n}\n',
    });
    const model = await buildSourceModel(dir, planOf());
    expect(model.locals[""]).toBeUndefined();
    expect(model.gaps).toEqual({
      "module.gone": "source git::https://example.invalid/m.git is not on disk (run terraform init)",
    });
  });
});
