import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { Construct } from "constructs";
import { iamActions, StreamArchive, type StreamArchiveProps } from "../../modules";
import { ENV, fullStack, resources, statement, statements, synth, configError } from "./harness";

const STREAM = "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions/stream/2026-01-01T00:00:00.000";
const base: StreamArchiveProps = {
  name: "sessions",
  streamArn: STREAM,
  bucketName: "sessions-archive",
  retentionDays: 365,
  environment: ENV,
};
const archive =
  (props: Partial<StreamArchiveProps> = {}) =>
  (scope: Construct) =>
    new StreamArchive(scope, "archive", { ...base, ...props });
const pipes = (json: string) => resources(json, "aws_pipes_pipe");

describe("StreamArchive", () => {
  const json = synth(archive());

  test("writes to a bucket with Object Lock in compliance mode for the retention given", () => {
    expect(json).toHaveResourceWithProperties(S3Bucket, {
      bucket: "sessions-archive",
      object_lock_enabled: true,
      tags: { "ddb-guardrails:role": "stream-archive" },
    });
    expect(json).toHaveResourceWithProperties(S3BucketObjectLockConfigurationA, {
      rule: { default_retention: { mode: "COMPLIANCE", days: 365 } },
    });
    expect(json).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_policy: true,
      restrict_public_buckets: true,
    });
    expect(statement(json, "archive/policy-document", "DenyInsecureTransport").effect).toBe("Deny");
  });

  test("archives REMOVE records through a pipe into an encrypted delivery stream", () => {
    const archivePipe = pipes(json).find((p) => p.name === "sessions-archive")!;
    expect(archivePipe.source).toBe(STREAM);
    expect(JSON.parse(archivePipe.source_parameters.filter_criteria.filter[0].pattern)).toEqual({
      eventName: ["REMOVE"],
    });
    expect(archivePipe.target).toMatch(/aws_kinesis_firehose_delivery_stream/);
    expect(json).toHaveResourceWithProperties(KinesisFirehoseDeliveryStream, {
      destination: "extended_s3",
      server_side_encryption: expect.objectContaining({ enabled: true, key_type: "CUSTOMER_MANAGED_CMK" }),
      extended_s3_configuration: expect.objectContaining({ kms_key_arn: expect.stringMatching(/aws_kms_key/) }),
    });
  });

  test("alerts when a write sets isAdmin to true", () => {
    const alert = pipes(json).find((p) => p.name === "sessions-privilege-escalation")!;
    expect(JSON.parse(alert.source_parameters.filter_criteria.filter[0].pattern)).toEqual({
      eventName: ["INSERT", "MODIFY"],
      dynamodb: { NewImage: { isAdmin: { BOOL: [true] } } },
    });
    expect(alert.target).toMatch(/aws_sns_topic/);
  });

  test("lets the pipe read only the given stream", () => {
    const reads = statements(json, "archive/pipe-role-document").filter((s) =>
      s.actions.some((a: string) => a.startsWith("dynamodb:")),
    );
    expect(reads).toEqual([{ effect: "Allow", actions: [...iamActions.STREAM_READ_ACTIONS], resources: [STREAM] }]);
  });

  test("takes another filter and leaves the alert out when told", () => {
    const custom = synth(
      archive({ filterPattern: { eventName: ["REMOVE", "MODIFY"] }, privilegeEscalationAlert: false }),
    );
    expect(pipes(custom)).toHaveLength(1);
    expect(JSON.parse(pipes(custom)[0].source_parameters.filter_criteria.filter[0].pattern)).toEqual({
      eventName: ["REMOVE", "MODIFY"],
    });
  });

  test("synthesizes a stack that terraform validates", () => {
    expect(fullStack((stack) => archive()(stack))).toBeValidTerraform();
  });
});

describe("StreamArchive rejects", () => {
  const cases: Array<[string, Partial<StreamArchiveProps>, string, RegExp]> = [
    ["a retention of 0 days", { retentionDays: 0 }, "retentionDays", /at least 1, got 0/],
    ["a fractional retention", { retentionDays: 1.5 }, "retentionDays", /whole number of days/],
    [
      "a table ARN instead of a stream ARN",
      { streamArn: "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions" },
      "streamArn",
      /must be a DynamoDB stream ARN/,
    ],
    [
      "an alert without protected attributes",
      { protectedAttributes: [] },
      "protectedAttributes",
      /cannot be empty while `privilegeEscalationAlert` is on/,
    ],
  ];
  test.each(cases)("%s", (_name, props, prop, message) => {
    const error = configError(archive(props));
    expect(error.prop).toBe(prop);
    expect(error.message).toMatch(message);
  });
});
