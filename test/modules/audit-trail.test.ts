import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import type { Construct } from "constructs";
import { AuditTrail, type AuditTrailProps, CONFIG_CHANGE_EVENTS } from "../../modules";
import { ENV, fullStack, only, resources, statement, synth, configError } from "./harness";

const TABLE = { tableName: "sessions", tableArn: "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions" };
const base: AuditTrailProps = {
  trailName: "audit",
  tables: [TABLE],
  logBucketName: "audit-logs-111122223333",
  environment: ENV,
};
const trail =
  (props: Partial<AuditTrailProps> = {}) =>
  (scope: Construct) =>
    new AuditTrail(scope, "audit", { ...base, ...props });

describe("AuditTrail", () => {
  const json = synth(trail());

  test("records management events and DynamoDB data events of the protected tables, everywhere, validated and encrypted", () => {
    expect(json).toHaveResourceWithProperties(Cloudtrail, {
      name: "audit",
      enable_logging: true,
      enable_log_file_validation: true,
      is_multi_region_trail: true,
      kms_key_id: expect.stringMatching(/aws_kms_key/),
      cloud_watch_logs_group_arn: expect.stringMatching(/aws_cloudwatch_log_group.*:\*$/),
    });
    const selectors = only(json, "aws_cloudtrail").advanced_event_selector;
    expect(selectors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field_selector: [{ field: "eventCategory", equals: ["Management"] }] }),
        expect.objectContaining({
          field_selector: expect.arrayContaining([
            { field: "resources.type", equals: ["AWS::DynamoDB::Table"] },
            { field: "resources.ARN", equals: [TABLE.tableArn] },
          ]),
        }),
      ]),
    );
  });

  test("delivers to an encrypted, versioned, private, TLS-only bucket and an encrypted log group", () => {
    expect(json).toHaveResourceWithProperties(S3Bucket, { tags: { "ddb-guardrails:role": "audit-log" } });
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [
        expect.objectContaining({
          apply_server_side_encryption_by_default: expect.objectContaining({ sse_algorithm: "aws:kms" }),
        }),
      ],
    });
    expect(statement(json, "logs/policy-document", "DenyInsecureTransport").condition).toEqual([
      { test: "Bool", variable: "aws:SecureTransport", values: ["false"] },
    ]);
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      retention_in_days: 365,
      kms_key_id: expect.stringMatching(/aws_kms_key/),
    });
  });

  test("alarms on Scan calls of the tables and on large Scans", () => {
    const filter = only(json, "aws_cloudwatch_log_metric_filter");
    expect(filter.pattern).toBe(
      '{ ($.eventSource = "dynamodb.amazonaws.com") && ($.eventName = "Scan") && (($.requestParameters.tableName = "sessions")) }',
    );
    const alarms = resources(json, "aws_cloudwatch_metric_alarm");
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          metric_name: "DynamoDbScanCalls",
          threshold: 0,
          comparison_operator: "GreaterThanThreshold",
        }),
        expect.objectContaining({
          namespace: "AWS/DynamoDB",
          metric_name: "ReturnedItemCount",
          dimensions: { TableName: "sessions", Operation: "Scan" },
          statistic: "Maximum",
          threshold: 100,
        }),
      ]),
    );
    for (const alarm of alarms) expect(alarm.alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic/)]);
  });

  test("sends table and key configuration changes to the encrypted alert topic", () => {
    const rules = resources(json, "aws_cloudwatch_event_rule").map((r) => JSON.parse(r.event_pattern));
    const names = rules.flatMap((p) => p.detail.eventName);
    for (const event of [
      "CreateTable",
      "UpdateTable",
      "DeleteTable",
      "DisableKey",
      "ScheduleKeyDeletion",
      "ExportTableToPointInTime",
    ])
      expect(names).toContain(event);
    expect(names).toEqual(
      expect.arrayContaining([...CONFIG_CHANGE_EVENTS["aws.dynamodb"], ...CONFIG_CHANGE_EVENTS["aws.kms"]]),
    );
    expect(resources(json, "aws_cloudwatch_event_target")).toHaveLength(2);
    expect(json).toHaveResourceWithProperties(SnsTopic, { kms_master_key_id: expect.stringMatching(/aws_kms_key/) });
  });

  test("adds AWS Config rules for encryption and PITR only when asked", () => {
    expect(json).not.toHaveResource(ConfigConfigRule);
    const withRules = synth(trail({ configRules: true }));
    expect(withRules).toHaveResourceWithProperties(ConfigConfigRule, {
      source: { owner: "AWS", source_identifier: "DYNAMODB_TABLE_ENCRYPTED_KMS" },
    });
    expect(withRules).toHaveResourceWithProperties(ConfigConfigRule, {
      source: { owner: "AWS", source_identifier: "DYNAMODB_PITR_ENABLED" },
    });
  });

  test("creates the trail with logging off only with a reason (emulator mode)", () => {
    expect(
      only(synth(trail({ logging: false, loggingWaiver: "local emulator" })), "aws_cloudtrail").enable_logging,
    ).toBe(false);
  });

  test("synthesizes a stack that terraform validates", () => {
    expect(fullStack((stack) => trail()(stack))).toBeValidTerraform();
  });
});

describe("AuditTrail rejects", () => {
  const cases: Array<[string, Partial<AuditTrailProps>, string, RegExp]> = [
    ["no tables", { tables: [] }, "tables", /must name at least one table/],
    [
      "logging off without a reason",
      { logging: false },
      "logging",
      /`logging` cannot be false without `loggingWaiver`/,
    ],
    ["a short log retention", { logRetentionDays: 30 }, "logRetentionDays", /got 30/],
    ["a large-Scan threshold of 0", { largeScanThreshold: 0 }, "largeScanThreshold", /must be at least 1, got 0/],
  ];
  test.each(cases)("%s", (_name, props, prop, message) => {
    const error = configError(trail(props));
    expect(error.prop).toBe(prop);
    expect(error.message).toMatch(message);
  });
});
