// The encryption guardrail (DDB-ENC-*) and the plan model behind it as users get them, from the
// compiled bundle on real plans of test/fixtures/{enc,model,table}-*: evidence, parameters, the report.
// Which findings each fixture has is asserted by the Rego tests (policies/rules/encryption/*_test.rego,
// policies/main_test.rego), and test/reliability/wasm-parity.test.ts holds the bundle to them.
import { readPlan, validatePlan } from "../../src/engine";
import { fixtureReports } from "../helpers/fixture-reports";
import { fixturePlan } from "../helpers/paths";

const { bundle, report } = fixtureReports();
const finding = (name: string, rule: string, address: string) => {
  const found = report(name).violations.filter((f) => f.rule === rule && f.address === address);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("DDB-ENC-001 table keys", () => {
  test("a key ARN through a local cannot be followed: the UNPROVABLE evidence names the reference", () => {
    expect(
      finding("enc-table-keys", "DDB-ENC-001-UNPROVABLE", "aws_dynamodb_table.unprovable_key_through_local").evidence,
    ).toEqual(["server_side_encryption[0].kms_key_arn <- local.key_arn (not resolvable from the plan)"]);
  });

  test("allowed_key_arns restricts which existing keys a literal ARN may name", () => {
    const plan = readPlan(fixturePlan("table-cmk-same-plan"));
    const outside = validatePlan(plan, {
      bundle,
      parameters: { allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/other"] },
    });
    expect(outside.violations.map((f) => `${f.rule} ${f.address}`)).toEqual([
      "DDB-ENC-001 aws_dynamodb_table.valid_literal_key",
    ]);
    const inside = validatePlan(plan, {
      bundle,
      parameters: { allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/*"] },
    });
    expect(inside.violations).toEqual([]);
  });
});

describe("DDB-ENC-001/002 on tables created outside the aws provider", () => {
  const subjects = (name: string, rule: string, address: string) =>
    report(name)
      .violations.filter((f) => f.rule === rule && f.address === address)
      .map((f) => f.message.split(": ")[0])
      .sort();

  test("awscc tables: the evidence names the missing setting, or the reference the plan cannot follow", () => {
    expect(finding("awscc-tables", "DDB-ENC-001", "awscc_dynamodb_table.invalid_no_sse").evidence).toEqual([
      "sse_specification: not set (AWS-owned key)",
    ]);
    expect(
      finding("awscc-tables", "DDB-ENC-001-UNPROVABLE", "awscc_dynamodb_table.unprovable_key_from_local").evidence,
    ).toEqual(["sse_specification.kms_master_key_id <- local.shared_key_arn (not resolvable from the plan)"]);
  });

  test("CloudFormation templates: each table is named in its message; an unreadable template says why", () => {
    expect(subjects("cfn-stack-tables", "DDB-ENC-001", "aws_cloudformation_stack.invalid_owned_key")).toEqual([
      "Resources.NoSse (AWS::DynamoDB::Table)",
      "Resources.SseDisabled (AWS::DynamoDB::Table)",
    ]);
    expect(
      finding("cfn-stack-tables", "DDB-ENC-001-UNPROVABLE", "aws_cloudformation_stack.unprovable_template_url")
        .evidence,
    ).toEqual([
      'template_body: not set; the template at template_url = "https://example-templates.s3.amazonaws.com/tables.yaml" is not in the plan',
    ]);
    expect(
      finding("cfn-stack-tables", "DDB-ENC-001-UNPROVABLE", "aws_cloudformation_stack.unprovable_unreadable_template")
        .evidence,
    ).toEqual(["template_body cannot be read as CloudFormation does: Unresolved tag: !Custom"]);
  });

  test("a template that declares its tables in a plan's input cannot claim them compliant", () => {
    const plan = readPlan(fixturePlan("cfn-stack-tables"));
    const empty = { resources: {}, parameters: {}, transform: false };
    const stacks = (plan.resource_changes ?? [])
      .filter((c) => c.type === "aws_cloudformation_stack")
      .map((c) => [c.address, empty]);
    const forged = { ...plan, cloudformation_templates: Object.fromEntries(stacks) };
    expect(validatePlan(forged, { bundle }).violations.map((f) => f.rule)).toEqual(
      report("cfn-stack-tables").violations.map((f) => f.rule),
    );
  });
});

describe("plan model: modules", () => {
  test("a key from a child module: the evidence follows its output to the table that uses it", () => {
    expect(
      finding("model-child-module", "DDB-ENC-003", "module.invalid_keys_rotation_off.aws_kms_key.this").evidence,
    ).toEqual([
      "enable_key_rotation = false",
      "used by aws_dynamodb_table.valid_key_from_unrotated_module_key: server_side_encryption[0].kms_key_arn <- module.invalid_keys_rotation_off.aws_kms_key.this (created in this plan)",
    ]);
  });
});

describe("DDB-ENC-002 replica keys", () => {
  test("a replica block without its own key is named by its region", () => {
    expect(finding("enc-replica", "DDB-ENC-002", "aws_dynamodb_table.invalid_replica_without_key").evidence).toEqual([
      "replica[region_name = us-east-1].kms_key_arn: not set (AWS-managed key)",
    ]);
  });
});

describe("DDB-ENC-003 key rotation", () => {
  test("rotation known only after apply is UNPROVABLE, naming the reference", () => {
    expect(finding("enc-key-rotation", "DDB-ENC-003-UNPROVABLE", "aws_kms_key.unprovable_rotation").evidence[0]).toBe(
      "enable_key_rotation: (known after apply) <- aws_kms_key.valid_rotated (created in this plan)",
    );
  });
});

describe("DDB-ENC-005 audit and archive buckets", () => {
  test("a trail bucket's evidence names the trail and the missing key", () => {
    expect(
      finding("enc-audit-buckets", "DDB-ENC-005", "aws_s3_bucket.invalid_trail_logs_aws_managed_key").evidence,
    ).toEqual([
      "s3_bucket_name of aws_cloudtrail.to_aws_managed_key_logs",
      "aws_s3_bucket_server_side_encryption_configuration.invalid_trail_logs_aws_managed_key.rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id: not set (AWS-managed key)",
    ]);
  });
});

describe("DDB-ENC-006 key policy scoping", () => {
  test("a public key policy's evidence quotes the statement and the table that uses the key", () => {
    expect(finding("enc-key-policy", "DDB-ENC-006", "aws_kms_key.invalid_public_key").evidence).toEqual([
      'policy statement[1] (Sid Everyone): Allow Action ["kms:*"] to Principal ["*"]',
      "used by aws_dynamodb_table.public_through_alias: server_side_encryption[0].kms_key_arn <- aws_kms_alias.public (created in this plan)",
    ]);
  });
});

describe("DDB-ENC-007 exports and DDB-ENC-008 Kinesis streaming destinations", () => {
  test("the evidence names the open bucket setting and the stream's AWS-managed key", () => {
    expect(
      finding("enc-exports-streams", "DDB-ENC-007", "aws_dynamodb_table_export.invalid_export_half_open_bucket")
        .evidence,
    ).toEqual(["aws_s3_bucket_public_access_block.half_open.block_public_policy = false"]);
    expect(
      finding(
        "enc-exports-streams",
        "DDB-ENC-008",
        "aws_dynamodb_kinesis_streaming_destination.invalid_destination_aws_managed_key",
      ).evidence,
    ).toEqual(['aws_kinesis_stream.aws_managed_key.kms_key_id = "alias/aws/kinesis"']);
  });
});

describe("a fully compliant, realistic stack", () => {
  test("Snowy's session store in plain Terraform (CMK with replica key, trail with data events, alarms and alerts, write-once archive, FGAC role, gateway endpoint) has zero findings from every rule", () => {
    const result = report("model-compliant-stack");
    expect(result.violations).toEqual([]);
    expect(result.summary).toEqual({ resources: 34, violations: 0, waived: 0, failOn: "low", passed: true });
    // Every guardrail had something to judge in it.
    const types = new Set(readPlan(fixturePlan("model-compliant-stack")).resource_changes?.map((c) => c.type));
    const monitoring = [
      "aws_cloudwatch_log_metric_filter",
      "aws_cloudwatch_metric_alarm",
      "aws_cloudwatch_event_target",
      "aws_dynamodb_contributor_insights",
    ];
    for (const type of [
      "aws_dynamodb_table",
      "aws_kms_replica_key",
      "aws_cloudtrail",
      "aws_s3_bucket_object_lock_configuration",
      "aws_vpc_endpoint",
      "aws_iam_role_policy",
      "aws_lambda_function",
      ...monitoring,
    ]) {
      expect(types).toContain(type);
    }
  });
});
