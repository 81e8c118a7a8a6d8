// References the plan alone cannot settle, settled with the Terraform source beside the plan: module
// outputs that fall back across key types, CloudFormation parameters, for-expressions over module
// instances. Compliant fixtures have no finding at all; insecure ones the right rule at the right address.
import { join } from "node:path";
import { buildSourceModel, loadBundle, readPlan, validatePlan, type Finding } from "../../src/engine";
import { FIXTURES, fixturePlan } from "../helpers/paths";

const bundle = loadBundle();

async function findings(name: string): Promise<string[]> {
  const plan = readPlan(fixturePlan(name));
  const source = await buildSourceModel(join(FIXTURES, name), plan);
  const found: readonly Finding[] = validatePlan(plan, { bundle, source }).violations;
  return found.map((f) => `${f.rule} ${f.address}`).sort();
}

test.each([
  ["model-output-fallbacks", []],
  [
    "model-output-fallbacks-unrotated",
    ["DDB-ENC-001 aws_dynamodb_table.invalid_no_key_created", "DDB-ENC-003 module.unrotated_key.aws_kms_key.this[0]"],
  ],
  ["cfn-stack-parameters", []],
  [
    "cfn-stack-parameters-unrotated",
    ["DDB-ENC-001 aws_cloudformation_stack.invalid_key_parameter_default", "DDB-ENC-003 aws_kms_key.unrotated"],
  ],
  ["audit-trail-module-tables", []],
  ["audit-trail-module-tables-filtered", ['DDB-AUD-001 module.tables["audit"].aws_dynamodb_table.this']],
])("%s with its source", async (name, expected) => {
  expect(await findings(name)).toEqual(expected);
});

test("a key from an output's null fallback says where in the module it comes from", async () => {
  const plan = readPlan(fixturePlan("model-output-fallbacks-unrotated"));
  const source = await buildSourceModel(join(FIXTURES, "model-output-fallbacks-unrotated"), plan);
  const found = validatePlan(plan, { bundle, source }).violations.find((f) => f.rule === "DDB-ENC-001")!;
  expect(found.evidence).toEqual([
    "server_side_encryption[0].kms_key_arn <- null (from source test/fixtures/model-output-fallbacks-unrotated/kms/main.tf:53) (AWS-managed key)",
  ]);
});

test("the source model evaluates module outputs per instance and a trail's for-expression per table", async () => {
  const plan = readPlan(fixturePlan("audit-trail-module-tables"));
  const source = await buildSourceModel(join(FIXTURES, "audit-trail-module-tables"), plan);
  expect(Object.keys(source.outputs).sort()).toEqual([
    'module.tables["audit"]',
    'module.tables["orders"]',
    'module.tables["sessions"]',
  ]);
  const values = source.attributes["aws_cloudtrail.valid_basic_selector"]["event_selector.0.data_resource.0.values"];
  expect((values.any_of as Array<{ module: string }>).map((v) => v.module).sort()).toEqual([
    'module.tables["audit"]',
    'module.tables["orders"]',
    'module.tables["sessions"]',
  ]);
});
