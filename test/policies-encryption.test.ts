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
    expect(finding("enc-table-keys", "DDB-ENC-001-UNPROVABLE", "aws_dynamodb_table.unprovable_key_through_local").evidence).toEqual([
      "server_side_encryption[0].kms_key_arn <- local.key_arn (not resolvable from the plan)",
    ]);
  });

  test("allowed_key_arns restricts which existing keys a literal ARN may name", () => {
    const plan = readPlan(fixturePlan("table-cmk-same-plan"));
    const outside = validatePlan(plan, { bundle, parameters: { allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/other"] } });
    expect(outside.violations.map((f) => `${f.rule} ${f.address}`)).toEqual(["DDB-ENC-001 aws_dynamodb_table.valid_literal_key"]);
    const inside = validatePlan(plan, { bundle, parameters: { allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/*"] } });
    expect(inside.violations).toEqual([]);
  });
});

describe("plan model: modules, for_each, count, data sources", () => {
  test("tables in child modules get their key through module variables (two levels) and module outputs", () => {
    expect(findings("model-child-module")).toEqual([
      "DDB-ENC-001 module.invalid_store_aws_managed_key.aws_dynamodb_table.this",
      "DDB-ENC-003 module.invalid_keys_rotation_off.aws_kms_key.this",
    ]);
    expect(finding("model-child-module", "DDB-ENC-003", "module.invalid_keys_rotation_off.aws_kms_key.this").evidence).toEqual([
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
    expect(findings("model-count")).toEqual(["DDB-ENC-003 aws_kms_key.counted[1]", "DDB-REC-002 aws_dynamodb_table.counted[1]"]);
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
    expect(finding("enc-audit-buckets", "DDB-ENC-005", "aws_s3_bucket.invalid_trail_logs_aws_managed_key").evidence).toEqual([
      "s3_bucket_name of aws_cloudtrail.to_aws_managed_key_logs",
      "aws_s3_bucket_server_side_encryption_configuration.invalid_trail_logs_aws_managed_key.rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id: not set (AWS-managed key)",
    ]);
  });
});

describe("a fully compliant, realistic stack", () => {
  test("Snowy's session store in plain Terraform (CMK with replica key, trail with data events, write-once archive, FGAC role, gateway endpoint) has zero findings from every rule", () => {
    const result = report("model-compliant-stack");
    expect(result.violations).toEqual([]);
    expect(result.summary).toEqual({ resources: 24, violations: 0, waived: 0, failOn: "low", passed: true });
    // Every guardrail had something to judge in it.
    const types = new Set(readPlan(fixturePlan("model-compliant-stack")).resource_changes?.map((c) => c.type));
    for (const type of ["aws_dynamodb_table", "aws_kms_replica_key", "aws_cloudtrail", "aws_s3_bucket_object_lock_configuration", "aws_vpc_endpoint", "aws_iam_role_policy", "aws_lambda_function"]) {
      expect(types).toContain(type);
    }
  });
});
