// Stacks built from public modules (vendored under test/fixtures/vendor), validated from their real
// plans without the Terraform source (the plan alone) and with it (the source model).
import { join } from "node:path";
import { buildSourceModel, loadBundle, readPlan, validatePlan, type Finding, type SourceModel } from "../../src/engine";
import { FIXTURES, fixturePlan } from "../helpers/paths";

const bundle = loadBundle();
const reports = new Map<string, readonly Finding[]>();

/** One evaluation per fixture and mode: suites ask several questions of the same report. */
async function report(name: string, withSource: boolean): Promise<readonly Finding[]> {
  const key = `${name} ${withSource}`;
  if (!reports.has(key)) {
    const plan = readPlan(fixturePlan(name));
    const source: SourceModel | undefined = withSource ? await buildSourceModel(join(FIXTURES, name), plan) : undefined;
    reports.set(key, validatePlan(plan, { bundle, source }).violations);
  }
  return reports.get(key)!;
}

const lines = (found: readonly Finding[]): string[] => found.map((f) => `${f.rule} ${f.address}`).sort();
const unprovable = (found: readonly Finding[]): Finding[] => found.filter((f) => f.rule.endsWith("-UNPROVABLE"));

describe("terraform-aws-modules/dynamodb-table v4.4.0", () => {
  test("without source: replicas (dynamic blocks) and the module's resource policy (local.dynamodb_table_arn) are unprovable", async () => {
    const found = await report("source-dynamodb-table", false);
    expect(lines(unprovable(found))).toEqual(
      [
        "DDB-ENC-002-UNPROVABLE module.invalid_replica_key.aws_dynamodb_table.this[0]",
        "DDB-ENC-002-UNPROVABLE module.valid_global.aws_dynamodb_table.this[0]",
        ...["001", "002", "003", "005"].map(
          (n) => `DDB-FGAC-${n}-UNPROVABLE module.invalid_public_resource_policy.aws_dynamodb_resource_policy.this[0]`,
        ),
        ...["001", "002", "003", "005"].map(
          (n) => `DDB-FGAC-${n}-UNPROVABLE module.valid_resource_policy.aws_dynamodb_resource_policy.this[0]`,
        ),
      ].sort(),
    );
    expect(
      found.find((f) => f.address.includes("local") || f.message.includes("local.dynamodb_table_arn")),
    ).toBeDefined();
  });

  test("with source: exact verdicts; the compliant tables (global, autoscaled, with a resource policy) pass", async () => {
    expect(lines(await report("source-dynamodb-table", true))).toEqual(
      [
        "DDB-ENC-001 module.invalid_defaults.aws_dynamodb_table.this[0]",
        "DDB-REC-001 module.invalid_defaults.aws_dynamodb_table.this[0]",
        "DDB-REC-002 module.invalid_defaults.aws_dynamodb_table.this[0]",
        "DDB-ENC-002 module.invalid_replica_key.aws_dynamodb_table.this[0]",
        "DDB-FGAC-001 module.invalid_public_resource_policy.aws_dynamodb_resource_policy.this[0]",
        "DDB-FGAC-005 module.invalid_public_resource_policy.aws_dynamodb_resource_policy.this[0]",
      ].sort(),
    );
  });

  test("values from source say where they come from", async () => {
    const found = await report("source-dynamodb-table", true);
    const replica = found.find((f) => f.rule === "DDB-ENC-002")!;
    expect(replica.evidence).toEqual([
      "replica[region_name = eu-west-2].kms_key_arn <- null (from source test/fixtures/vendor/terraform-aws-dynamodb-table@v4.4.0/main.tf:76) (AWS-managed key)",
    ]);
    const open = found.find((f) => f.rule === "DDB-FGAC-005")!;
    expect(open.evidence.join(" ")).toContain(
      "(from source test/fixtures/vendor/terraform-aws-dynamodb-table@v4.4.0/main.tf:387)",
    );
  });
});

describe("cloudposse/terraform-aws-dynamodb v0.37.0 (with cloudposse/label/null and dynamodb-autoscaler)", () => {
  // The module's insecure defaults, judged from the plan alone: the AWS-managed key
  // (enable_encryption = true, no key), deletion protection off; and what its callers turn off.
  const fromPlan = [
    "DDB-ENC-001 module.invalid_defaults.aws_dynamodb_table.default[0]",
    "DDB-REC-002 module.invalid_defaults.aws_dynamodb_table.default[0]",
    "DDB-REC-001 module.invalid_no_pitr.aws_dynamodb_table.default[0]",
    // the module hard-codes point_in_time_recovery = false in its replicas: known in the plan
    "DDB-REC-001 module.invalid_replica.aws_dynamodb_table.default[0]",
    "DDB-AUD-003 module.invalid_session_ttl.aws_dynamodb_table.default[0]",
  ];

  test("without source: the replica's key (a dynamic block, kms_key_arn known only after apply) is unprovable", async () => {
    const found = await report("source-cloudposse-dynamodb", false);
    expect(lines(found)).toEqual(
      [...fromPlan, "DDB-ENC-002-UNPROVABLE module.invalid_replica.aws_dynamodb_table.default[0]"].sort(),
    );
    expect(unprovable(found)[0].evidence.join(" ")).toContain("a dynamic block");
  });

  test("with source: exact verdicts; the compliant tables (session store, autoscaled with an index) pass", async () => {
    expect(lines(await report("source-cloudposse-dynamodb", true))).toEqual(
      [...fromPlan, "DDB-ENC-002 module.invalid_replica.aws_dynamodb_table.default[0]"].sort(),
    );
  });

  test("the replica's null key says where it comes from", async () => {
    const found = await report("source-cloudposse-dynamodb", true);
    expect(found.find((f) => f.rule === "DDB-ENC-002")!.evidence).toEqual([
      "replica[region_name = eu-west-2].kms_key_arn <- null (from source test/fixtures/vendor/terraform-aws-dynamodb@v0.37.0/main.tf:134) (AWS-managed key)",
    ]);
  });
});

describe("terraform-aws-modules/vpc v5.21.0 with vpc-endpoints", () => {
  test("without source: subnets' VPC (local.vpc_id) and endpoint services (data.aws_vpc_endpoint_service) are unprovable", async () => {
    expect(lines(await report("source-vpc", false))).toEqual(
      [
        "DDB-EP-001-UNPROVABLE aws_lambda_function.open_api",
        "DDB-EP-001-UNPROVABLE aws_lambda_function.unreachable_api",
        // one finding per subnet: module.vpc.aws_subnet.private[0] and [1]
        "DDB-EP-001-UNPROVABLE aws_lambda_function.valid_api",
        "DDB-EP-001-UNPROVABLE aws_lambda_function.valid_api",
        // the endpoints' service, and whether their policy must be restrictive, is known at apply only
        'DDB-EP-002-UNPROVABLE module.invalid_open_endpoints.aws_vpc_endpoint.this["dynamodb"]',
        'DDB-EP-002-UNPROVABLE module.vpc_endpoints.aws_vpc_endpoint.this["dynamodb"]',
      ].sort(),
    );
  });

  test("with source: the VPC without an endpoint and the endpoint without a policy are flagged; the compliant VPC passes", async () => {
    expect(lines(await report("source-vpc", true))).toEqual([
      "DDB-EP-001 module.invalid_no_endpoint.aws_vpc.this[0]",
      'DDB-EP-002 module.invalid_open_endpoints.aws_vpc_endpoint.this["dynamodb"]',
    ]);
  });
});

describe("terraform-aws-modules/iam v5.60.0 (iam-policy, iam-group-with-policies, iam-read-only-policy)", () => {
  const expected = [
    "DDB-FGAC-001 module.invalid_operators.aws_iam_policy.custom[1]",
    "DDB-FGAC-002 module.invalid_operators.aws_iam_policy.custom[1]",
    "DDB-FGAC-003 module.invalid_operators.aws_iam_policy.custom[1]",
    "DDB-FGAC-001 module.invalid_read_only.aws_iam_policy.policy[0]",
    // ReadOnlyAccess-style reads: dynamodb:GetRecords on "*" reads every table's stream
    "DDB-FGAC-009 module.invalid_read_only.aws_iam_policy.policy[0]",
  ].sort();

  test("the plan alone is already exact: the policies are known at plan time", async () => {
    expect(lines(await report("source-iam", false))).toEqual(expected);
  });

  test("with source: the same verdicts, each inline policy judged on its own instance", async () => {
    expect(lines(await report("source-iam", true))).toEqual(expected);
  });
});

describe("terraform-aws-modules/dynamodb-table v4.4.0 called with for_each, one key holding ']'", () => {
  const invalid = 'module.table["invalid_public[a]b]"].aws_dynamodb_resource_policy.this[0]';
  const valid = 'module.table["valid_partner"].aws_dynamodb_resource_policy.this[0]';

  test("without source: both resource policies (replace() of a table ARN known after apply) are unprovable", async () => {
    const fgac = ["001", "002", "003", "005"];
    // Each twice: the policy text (local.tables) and the table ARN are both beyond the plan.
    expect([...new Set(lines(await report("source-module-keys", false)))]).toEqual(
      [
        ...fgac.map((n) => `DDB-FGAC-${n}-UNPROVABLE ${invalid}`),
        ...fgac.map((n) => `DDB-FGAC-${n}-UNPROVABLE ${valid}`),
      ].sort(),
    );
  });

  test("with source: each module instance's policy is judged with its own each.value, whatever its key holds", async () => {
    expect(lines(await report("source-module-keys", true))).toEqual([
      `DDB-FGAC-001 ${invalid}`,
      `DDB-FGAC-005 ${invalid}`,
    ]);
  });
});
