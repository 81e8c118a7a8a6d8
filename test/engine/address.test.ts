// The address grammar against addresses terraform and OpenTofu wrote: instance keys holding "]", ".",
// ".module.", template introducers and characters that do not print.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  addressesIn,
  instanceKey,
  isInstanceOf,
  moduleCallName,
  moduleCallNames,
  moduleSteps,
  referencedObject,
  resourceAttribute,
  withoutInstanceKey,
  withoutInstanceKeys,
  withoutModuleKeys,
} from "../../src/engine/plan/address";
import { FIXTURES } from "../helpers/paths";

interface Change {
  address: string;
  module_address?: string;
  type: string;
  name: string;
  index?: string | number;
}

describe.each(["plan.json", "opentofu-plan.json"])("addresses of source-module-keys/%s", (file) => {
  const changes = (
    JSON.parse(readFileSync(join(FIXTURES, "source-module-keys", file), "utf8")) as { resource_changes: Change[] }
  ).resource_changes;
  const keyed = changes.filter((c) => c.type === "terraform_data");

  test("an instance key is written as terraform writes it, whatever it holds", () => {
    expect(keyed).toHaveLength(9);
    for (const change of keyed) expect(`terraform_data.keys${instanceKey(change.index!)}`).toBe(change.address);
  });

  test("the key is cut off whole: the resource, and one instance of it", () => {
    for (const change of keyed) {
      expect(withoutInstanceKey(change.address)).toBe("terraform_data.keys");
      expect(withoutInstanceKeys(change.address)).toBe("terraform_data.keys");
      expect(isInstanceOf(change.address, "terraform_data.keys")).toBe(true);
    }
    expect(isInstanceOf('terraform_data.keys["a"]["b"]', "terraform_data.keys")).toBe(false);
  });

  test("a module instance whose key holds ']' is the module of the configuration without it", () => {
    const inModule = changes.filter((c) => c.module_address);
    expect(new Set(inModule.map((c) => c.module_address))).toEqual(
      new Set(['module.table["invalid_public[a]b]"]', 'module.table["valid_partner"]']),
    );
    for (const change of inModule) {
      expect(withoutModuleKeys(change.module_address!)).toBe("module.table");
      expect(moduleSteps(change.address)).toEqual([change.module_address]);
      expect(moduleCallNames(change.address)).toEqual(["table"]);
      expect(withoutInstanceKeys(change.address)).toBe(`module.table.${change.type}.${change.name}`);
    }
  });
});

describe("references and text", () => {
  test("module steps end where the address's own dots do, not at a dot inside a key", () => {
    const address = 'module.a["x.module.y"].module.b[0].aws_s3_bucket.c["k"]';
    expect(moduleSteps(address)).toEqual(['module.a["x.module.y"]', "module.b[0]"]);
    expect(moduleCallNames(address)).toEqual(["a", "b"]);
    expect(withoutModuleKeys('module.a["x.module.y"].module.b[0]')).toBe("module.a.module.b");
    expect(moduleSteps("aws_s3_bucket.c")).toEqual([]);
    expect(moduleCallName('module.a["k]"].out')).toBe("a");
    expect(moduleCallName("aws_s3_bucket.c")).toBeUndefined();
  });

  test("the object a reference reads, and one attribute of a resource instance", () => {
    expect(referencedObject('aws_dynamodb_table.t["a].b"].arn')).toBe("aws_dynamodb_table.t");
    expect(referencedObject("data.aws_iam_policy_document.d.json")).toBe("data.aws_iam_policy_document.d");
    expect(referencedObject('module.m["k"].arn')).toBe("module.m");
    expect(resourceAttribute('aws_dynamodb_table.t["a].b"].arn')).toEqual(['aws_dynamodb_table.t["a].b"]', "arn"]);
    expect(resourceAttribute("aws_dynamodb_table.t.arn")).toEqual(["aws_dynamodb_table.t", "arn"]);
    expect(resourceAttribute("aws_dynamodb_table.t.replica.0")).toBeUndefined();
  });

  test("addresses in a text are found whole, keys included", () => {
    expect(addressesIn('kms_key_arn <- module.k["a]b"].aws_kms_key.k[0].arn, not aws_kms_key.k2')).toEqual([
      'module.k["a]b"].aws_kms_key.k[0]',
      "aws_kms_key.k2",
    ]);
  });
});
