// The engine's index of reference objects (input.reference_objects) must give what the policy's own
// regular expressions give (policies/lib/references `_object_of`, native OPA with no index), for the
// references of every fixture plan and for shapes no fixture has.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePlan } from "../../src/engine";
import { objectOf, referenceObjects } from "../../src/engine/input/reference-objects";
import { evalPolicies } from "../helpers/opa";
import { fixturePlans } from "../fuzz/mutate";

const crafted = [
  "aws_kms_key.k",
  "aws_kms_key.k.arn",
  "aws_kms_key.k[0].arn",
  'aws_kms_key.k["a.b"].arn',
  'aws_kms_key.k["say \\"hi\\""].arn',
  'aws_kms_key.k["a\\\nb"].arn', // a backslash before a newline: RE2's "." stops there
  'aws_kms_key.k["a\\\rb"].arn', // before a carriage return: JavaScript's "." would stop there too
  'aws_kms_key.k["a\\\u2028b"].arn',
  'aws_kms_key.k["ключ"].arn',
  'aws_kms_key.k["unterminated].arn',
  "data.aws_iam_policy_document.p.json",
  "data.aws_iam_policy_document",
  "module.m",
  "module.m.out",
  'module.m["x"].out.deeper',
  "module.m[3].out",
  "var.name",
  "local.x",
  "each.value.arn",
  "count.index",
  "aws_kms_key",
  ".k",
  "aws_kms_key.ключ.arn",
  "",
];

test("the index gives each reference the object the policy's expressions give it", () => {
  const fromFixtures = new Set<string>();
  for (const [name, text] of fixturePlans())
    for (const reference of Object.keys(referenceObjects(parsePlan(text, name)))) fromFixtures.add(reference);
  expect(fromFixtures.size).toBeGreaterThan(100);
  const references = [...new Set([...crafted, ...fromFixtures])];
  const work = mkdtempSync(join(tmpdir(), "ddb-reference-objects-"));
  try {
    writeFileSync(join(work, "references.json"), JSON.stringify({ crafted_references: references }));
    const byPolicy = evalPolicies<Record<string, string>>(
      "{r: o | some r in data.crafted_references; o := data.ddb_guardrails.lib.references._object_of(r)}",
      join(work, "references.json"),
    );
    const byEngine = Object.fromEntries(
      references.flatMap((r) => {
        const object = objectOf(r);
        return object === undefined ? [] : [[r, object]];
      }),
    );
    expect(byEngine).toEqual(byPolicy);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
