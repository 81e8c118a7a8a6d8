// The encryption guardrail (DDB-ENC-*) and the plan model behind it, run from the compiled bundle
// on real plans of test/fixtures/{enc,model,table}-*. Every finding of every rule is asserted, so
// a rule that starts firing on a fixture it should not is caught too.
import { readPlan, validatePlan } from "../src/engine";
import { fixtureReports } from "./helpers/fixture-reports";
import { fixturePlan } from "./helpers/paths";

const { bundle, report, findings } = fixtureReports();
const finding = (name: string, rule: string, address: string) => {
  const found = report(name).violations.filter((f) => f.rule === rule && f.address === address);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("DDB-ENC-001 table keys", () => {
  test("a key created in the same plan (ARN unknown until apply) and a literal existing key pass", () => {
    expect(findings("table-cmk-same-plan")).toEqual([]);
  });

  test("AWS-owned (no block, or disabled) and AWS-managed (no key, or the aws/dynamodb alias) are flagged", () => {
    expect(findings("table-unencrypted")).toEqual(["DDB-ENC-001 aws_dynamodb_table.invalid_aws_owned_key"]);
    expect(findings("table-aws-managed-key")).toEqual([
      "DDB-ENC-001 aws_dynamodb_table.invalid_aws_managed_alias",
      "DDB-ENC-001 aws_dynamodb_table.invalid_no_key_arn",
    ]);
  });

  test("a key ARN through a local cannot be followed: UNPROVABLE naming the reference, never a pass", () => {
    expect(findings("enc-table-keys")).toEqual([
      "DDB-ENC-001 aws_dynamodb_table.invalid_sse_disabled",
      "DDB-ENC-001-UNPROVABLE aws_dynamodb_table.unprovable_key_through_local",
    ]);
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
  const encryption = (name: string) => findings(name).filter((f) => f.startsWith("DDB-ENC"));
  const subjects = (name: string, rule: string, address: string) =>
    report(name)
      .violations.filter((f) => f.rule === rule && f.address === address)
      .map((f) => f.message.split(": ")[0])
      .sort();

  test("awscc tables: no SSE, SSE off or the AWS-managed key are flagged; a key the plan cannot follow is UNPROVABLE", () => {
    expect(encryption("awscc-tables")).toEqual([
      "DDB-ENC-001 awscc_dynamodb_table.invalid_aws_managed_key",
      "DDB-ENC-001 awscc_dynamodb_table.invalid_no_sse",
      "DDB-ENC-001 awscc_dynamodb_table.invalid_sse_disabled",
      "DDB-ENC-001-UNPROVABLE awscc_dynamodb_table.unprovable_key_from_local",
      "DDB-ENC-002 awscc_dynamodb_global_table.invalid_global_replica_aws_managed_key",
      "DDB-ENC-002-UNPROVABLE awscc_dynamodb_global_table.unprovable_global_replica_unset",
    ]);
    expect(finding("awscc-tables", "DDB-ENC-001", "awscc_dynamodb_table.invalid_no_sse").evidence).toEqual([
      "sse_specification: not set (AWS-owned key)",
    ]);
    expect(
      finding("awscc-tables", "DDB-ENC-001-UNPROVABLE", "awscc_dynamodb_table.unprovable_key_from_local").evidence,
    ).toEqual(["sse_specification.kms_master_key_id <- local.shared_key_arn (not resolvable from the plan)"]);
  });

  test("CloudFormation templates (JSON and YAML): every table is judged and named; unreadable templates are UNPROVABLE", () => {
    expect(encryption("cfn-stack-tables")).toEqual([
      "DDB-ENC-001 aws_cloudformation_stack.invalid_aws_managed_key",
      "DDB-ENC-001 aws_cloudformation_stack.invalid_aws_managed_key",
      "DDB-ENC-001 aws_cloudformation_stack.invalid_owned_key",
      "DDB-ENC-001 aws_cloudformation_stack.invalid_owned_key",
      "DDB-ENC-001-UNPROVABLE aws_cloudformation_stack.unprovable_intrinsics",
      "DDB-ENC-001-UNPROVABLE aws_cloudformation_stack.unprovable_template_url",
      "DDB-ENC-001-UNPROVABLE aws_cloudformation_stack.unprovable_unknown_body",
      "DDB-ENC-001-UNPROVABLE aws_cloudformation_stack.unprovable_unreadable_template",
      "DDB-ENC-002 aws_cloudformation_stack.invalid_global_table_replica",
      "DDB-ENC-002-UNPROVABLE aws_cloudformation_stack.unprovable_template_url",
      "DDB-ENC-002-UNPROVABLE aws_cloudformation_stack.unprovable_unknown_body",
      "DDB-ENC-002-UNPROVABLE aws_cloudformation_stack.unprovable_unreadable_template",
    ]);
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

describe("plan model: modules, for_each, count, data sources", () => {
  test("tables in child modules get their key through module variables (two levels) and module outputs", () => {
    expect(findings("model-child-module")).toEqual([
      "DDB-ENC-001 module.invalid_store_aws_managed_key.aws_dynamodb_table.this",
      "DDB-ENC-003 module.invalid_keys_rotation_off.aws_kms_key.this",
    ]);
    expect(
      finding("model-child-module", "DDB-ENC-003", "module.invalid_keys_rotation_off.aws_kms_key.this").evidence,
    ).toEqual([
      "enable_key_rotation = false",
      "used by aws_dynamodb_table.valid_key_from_unrotated_module_key: server_side_encryption[0].kms_key_arn <- module.invalid_keys_rotation_off.aws_kms_key.this (created in this plan)",
    ]);
  });

  test("for_each: only the bad instance of a resource and of a module is flagged", () => {
    expect(findings("model-for-each")).toEqual([
      'DDB-ENC-001 module.regional["invalid_aws_managed_key"].aws_dynamodb_table.this',
      'DDB-REC-001 aws_dynamodb_table.fleet["invalid_no_pitr"]',
    ]);
  });

  test("count: a reference by count.index reaches the counted keys, and the unrotated one is flagged", () => {
    expect(findings("model-count")).toEqual([
      "DDB-ENC-003 aws_kms_key.counted[1]",
      "DDB-REC-002 aws_dynamodb_table.counted[1]",
    ]);
  });

  test("a stack whose policy documents are data sources (known and deferred) raises nothing", () => {
    expect(findings("model-data-sources")).toEqual([]);
  });
});

describe("DDB-ENC-002 replica keys", () => {
  test("a replica block without its own key, or on the AWS-managed key, is flagged; replica keys and literal keys pass", () => {
    expect(findings("enc-replica")).toEqual([
      "DDB-ENC-002 aws_dynamodb_table.invalid_replica_aws_managed_key",
      "DDB-ENC-002 aws_dynamodb_table.invalid_replica_without_key",
    ]);
    expect(finding("enc-replica", "DDB-ENC-002", "aws_dynamodb_table.invalid_replica_without_key").evidence).toEqual([
      "replica[region_name = us-east-1].kms_key_arn: not set (AWS-managed key)",
    ]);
  });
});

describe("DDB-ENC-003 key rotation", () => {
  test("keys used by tables, through an alias or as a replica key's primary, need rotation; unknown rotation is UNPROVABLE", () => {
    expect(findings("enc-key-rotation")).toEqual([
      "DDB-ENC-003 aws_kms_key.invalid_primary_rotation_off",
      "DDB-ENC-003 aws_kms_key.invalid_rotation_default",
      "DDB-ENC-003 aws_kms_key.invalid_rotation_off",
      "DDB-ENC-003-UNPROVABLE aws_kms_key.unprovable_rotation",
    ]);
    expect(finding("enc-key-rotation", "DDB-ENC-003-UNPROVABLE", "aws_kms_key.unprovable_rotation").evidence[0]).toBe(
      "enable_key_rotation: (known after apply) <- aws_kms_key.valid_rotated (created in this plan)",
    );
  });
});

describe("DDB-ENC-004 DAX", () => {
  test("clusters without encryption at rest or without a TLS endpoint are flagged", () => {
    expect(findings("enc-dax")).toEqual([
      "DDB-ENC-004 aws_dax_cluster.invalid_no_sse",
      "DDB-ENC-004 aws_dax_cluster.invalid_plaintext_endpoint",
      "DDB-ENC-004 aws_dax_cluster.invalid_sse_disabled",
    ]);
  });
});

describe("DDB-ENC-005 audit and archive buckets", () => {
  test("trail buckets (by reference or literal name) and tagged buckets need SSE-KMS with a customer key; others are not judged", () => {
    expect(findings("enc-audit-buckets")).toEqual([
      "DDB-ENC-005 aws_s3_bucket.invalid_archive_aes256",
      "DDB-ENC-005 aws_s3_bucket.invalid_trail_logs_aes256",
      "DDB-ENC-005 aws_s3_bucket.invalid_trail_logs_aws_managed_key",
      "DDB-ENC-005 aws_s3_bucket.invalid_trail_logs_no_sse_config",
    ]);
    expect(
      finding("enc-audit-buckets", "DDB-ENC-005", "aws_s3_bucket.invalid_trail_logs_aws_managed_key").evidence,
    ).toEqual([
      "s3_bucket_name of aws_cloudtrail.to_aws_managed_key_logs",
      "aws_s3_bucket_server_side_encryption_configuration.invalid_trail_logs_aws_managed_key.rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id: not set (AWS-managed key)",
    ]);
  });
});

describe("DDB-ENC-006 key policy scoping", () => {
  test("Decrypt/CreateGrant to anyone or another account without a condition, and use outside DynamoDB, are flagged on the key", () => {
    expect(findings("enc-key-policy")).toEqual([
      "DDB-ENC-006 aws_kms_key.invalid_cross_account_key",
      "DDB-ENC-006 aws_kms_key.invalid_cross_account_key",
      "DDB-ENC-006 aws_kms_key.invalid_public_key",
      "DDB-ENC-006 aws_kms_key.invalid_usage_outside_dynamodb_key",
      "DDB-ENC-006-UNPROVABLE aws_kms_key.unprovable_policy_key",
      "DDB-ENC-006-UNPROVABLE aws_kms_key.unprovable_policy_key",
    ]);
    expect(finding("enc-key-policy", "DDB-ENC-006", "aws_kms_key.invalid_public_key").evidence).toEqual([
      'policy statement[1] (Sid Everyone): Allow Action ["kms:*"] to Principal ["*"]',
      "used by aws_dynamodb_table.public_through_alias: server_side_encryption[0].kms_key_arn <- aws_kms_alias.public (created in this plan)",
    ]);
  });

  test("the default key policy, an attached aws_kms_key_policy, a narrowed partner grant and keys no table uses pass", () => {
    const keys = report("enc-key-policy").violations.map((f) => f.address);
    for (const key of [
      "valid_default_policy",
      "valid_scoped_policy",
      "valid_attached_policy",
      "valid_cross_account_narrowed",
      "valid_unused_public_key",
    ]) {
      expect(keys).not.toContain(`aws_kms_key.${key}`);
    }
  });
});

describe("DDB-ENC-007 exports and DDB-ENC-008 Kinesis streaming destinations", () => {
  test("exports need SSE-KMS with a customer key into a bucket that blocks public access; destinations need a stream under a customer key", () => {
    expect(findings("enc-exports-streams")).toEqual([
      "DDB-ENC-007 aws_dynamodb_table_export.invalid_export_aws_managed_key",
      "DDB-ENC-007 aws_dynamodb_table_export.invalid_export_half_open_bucket",
      "DDB-ENC-007 aws_dynamodb_table_export.invalid_export_open_bucket",
      "DDB-ENC-007 aws_dynamodb_table_export.invalid_export_sse_s3",
      "DDB-ENC-007-UNPROVABLE aws_dynamodb_table_export.unprovable_export_bucket_outside_plan",
      "DDB-ENC-008 aws_dynamodb_kinesis_streaming_destination.invalid_destination_aws_managed_key",
      "DDB-ENC-008 aws_dynamodb_kinesis_streaming_destination.invalid_destination_unencrypted_stream",
      "DDB-ENC-008-UNPROVABLE aws_dynamodb_kinesis_streaming_destination.unprovable_destination_stream_outside_plan",
    ]);
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
    expect(result.summary).toEqual({ resources: 32, violations: 0, waived: 0, failOn: "low", passed: true });
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
