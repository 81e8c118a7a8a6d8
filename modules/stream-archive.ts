import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { PipesPipe } from "@cdktf/provider-aws/lib/pipes-pipe";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { CustomerManagedKey } from "./customer-key";
import { type AwsEnvironment, type ResolvedEnvironment, resolveEnvironment } from "./environment";
import { GuardrailConfigError, shown } from "./errors";
import { STREAM_READ_ACTIONS } from "./iam-actions";
import { SecureBucket } from "./secure-bucket";

/**
 * Default archive filter: item deletions. A TTL expiry and a user delete are both REMOVE records;
 * the archived record keeps `userIdentity` ({type: "Service", principalId: "dynamodb.amazonaws.com"})
 * on TTL expiries only, so the two stay distinguishable in the archive.
 */
export const REMOVE_EVENTS_FILTER = { eventName: ["REMOVE"] };

export interface StreamArchiveProps {
  /** Prefix of every name the archive creates (pipes, delivery stream, roles, key alias). */
  readonly name: string;
  /** The table's stream ARN (`SecureTable.streamArn`); the table needs a stream with images. */
  readonly streamArn: string;
  /** Name of the write-once bucket (globally unique). */
  readonly bucketName: string;
  /** Object Lock retention in compliance mode, in days (nobody, root included, can delete earlier). */
  readonly retentionDays: number;
  /**
   * EventBridge Pipes filter pattern selecting the stream records to archive.
   * @default REMOVE_EVENTS_FILTER (deletions, TTL expiries included)
   */
  readonly filterPattern?: Readonly<Record<string, unknown>>;
  /**
   * Alert when an INSERT or MODIFY sets one of these attributes to true in the new image.
   * @default ["isAdmin"]
   */
  readonly protectedAttributes?: readonly string[];
  /**
   * The privilege-escalation alert (needs a stream with new images).
   * @default true
   */
  readonly privilegeEscalationAlert?: boolean;
  /** @default the provider's account id and region */
  readonly environment?: AwsEnvironment;
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Archives a table's stream to write-once S3: an EventBridge pipe filters the records (deletions
 * by default) into a Firehose delivery stream writing to a KMS-encrypted, versioned bucket with
 * Object Lock in compliance mode, public access blocked and TLS enforced. A second pipe alerts an
 * SNS topic when a write sets a protected attribute (e.g. `isAdmin`).
 */
export class StreamArchive extends Construct {
  readonly bucket: SecureBucket;
  readonly key: CustomerManagedKey;
  readonly deliveryStream: KinesisFirehoseDeliveryStream;
  readonly archivePipe: PipesPipe;
  readonly escalationTopic?: SnsTopic;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: StreamArchiveProps,
  ) {
    super(scope, id);
    this.validateRetention();
    this.validateStream();
    this.validateProtectedAttributes();

    const env = resolveEnvironment(this, props.environment);
    this.key = this.configureKey(env);
    this.bucket = this.configureBucket(env);
    this.deliveryStream = this.configureDelivery(env);
    this.escalationTopic = this.configureEscalationTopic();
    const pipeRole = this.configurePipeRole(env);
    this.archivePipe = this.configureArchivePipe(pipeRole);
    this.configureEscalationPipe(pipeRole);
  }

  /** The archive's key, usable by the account only through S3, Firehose and SNS. */
  private configureKey(env: ResolvedEnvironment): CustomerManagedKey {
    const { accountId, region, partition } = env;
    const root = `arn:${partition}:iam::${accountId}:root`;
    return new CustomerManagedKey(this, "key", {
      description: `Encrypts the ${this.props.name} stream archive and its alerts`,
      alias: `alias/${this.props.name}-archive-key`,
      environment: env,
      usage: [
        {
          sid: "KeyUsageThroughArchiveServicesOnly",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [root] }],
          actions: [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:CreateGrant",
            "kms:DescribeKey",
          ],
          resources: ["*"],
          condition: [
            {
              test: "StringEquals",
              variable: "kms:ViaService",
              values: [`s3.${region}.amazonaws.com`, `firehose.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`],
            },
            { test: "StringEquals", variable: "kms:CallerAccount", values: [accountId] },
          ],
        },
      ],
      tags: this.props.tags,
    });
  }

  /** The write-once bucket: Object Lock in compliance mode under the archive key. */
  private configureBucket(env: ResolvedEnvironment): SecureBucket {
    return new SecureBucket(this, "archive", {
      bucketName: this.props.bucketName,
      role: "stream-archive",
      kmsKeyArn: this.key.arn,
      environment: env,
      objectLockRetentionDays: this.props.retentionDays,
      tags: this.props.tags,
    });
  }

  /** Firehose delivery into the bucket, with a role limited to it and to the key through S3. */
  private configureDelivery(env: ResolvedEnvironment): KinesisFirehoseDeliveryStream {
    const { accountId, region } = env;
    const firehoseRole = this.role(
      "delivery-role",
      `${this.props.name}-archive-delivery`,
      "firehose.amazonaws.com",
      accountId,
      [
        {
          effect: "Allow",
          actions: [
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:GetBucketLocation",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
          ],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        },
        {
          effect: "Allow",
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [this.key.arn],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`s3.${region}.amazonaws.com`] }],
        },
      ],
    );
    return new KinesisFirehoseDeliveryStream(this, "delivery", {
      name: `${this.props.name}-archive`,
      destination: "extended_s3",
      serverSideEncryption: { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: this.key.arn },
      extendedS3Configuration: {
        roleArn: firehoseRole.arn,
        bucketArn: this.bucket.arn,
        kmsKeyArn: this.key.arn,
        prefix: "stream/",
        errorOutputPrefix: "errors/!{firehose:error-output-type}/",
        bufferingInterval: 60,
        compressionFormat: "GZIP",
      },
      tags: this.props.tags,
    });
  }

  private configureEscalationTopic(): SnsTopic | undefined {
    if (!(this.props.privilegeEscalationAlert ?? true)) return undefined;
    return new SnsTopic(this, "escalation-alerts", {
      name: `${this.props.name}-privilege-escalation`,
      kmsMasterKeyId: this.key.arn,
      tags: this.props.tags,
    });
  }

  /** The role both pipes run as: read the table's stream, deliver to Firehose, publish alerts. */
  private configurePipeRole(env: ResolvedEnvironment): IamRole {
    const { accountId, region } = env;
    return this.role("pipe-role", `${this.props.name}-archive-pipe`, "pipes.amazonaws.com", accountId, [
      { effect: "Allow", actions: [...STREAM_READ_ACTIONS], resources: [this.props.streamArn] },
      {
        effect: "Allow",
        actions: ["firehose:PutRecord", "firehose:PutRecordBatch"],
        resources: [this.deliveryStream.arn],
      },
      ...(this.escalationTopic
        ? [
            { effect: "Allow", actions: ["sns:Publish"], resources: [this.escalationTopic.arn] },
            {
              effect: "Allow",
              actions: ["kms:GenerateDataKey", "kms:Decrypt"],
              resources: [this.key.arn],
              condition: [
                { test: "StringEquals", variable: "kms:ViaService", values: [`sns.${region}.amazonaws.com`] },
              ],
            },
          ]
        : []),
    ]);
  }

  /** Archives filtered stream records (deletions by default). */
  private configureArchivePipe(pipeRole: IamRole): PipesPipe {
    return new PipesPipe(this, "archive-pipe", {
      name: `${this.props.name}-archive`,
      description: "Archives filtered stream records (deletions by default) to the write-once bucket",
      roleArn: pipeRole.arn,
      source: this.props.streamArn,
      sourceParameters: {
        dynamodbStreamParameters: { startingPosition: "TRIM_HORIZON", batchSize: 100, maximumRetryAttempts: 10 },
        filterCriteria: { filter: [{ pattern: JSON.stringify(this.props.filterPattern ?? REMOVE_EVENTS_FILTER) }] },
      },
      target: this.deliveryStream.arn,
      tags: this.props.tags,
    });
  }

  /** Alerts when a write sets a protected attribute to true. */
  private configureEscalationPipe(pipeRole: IamRole): void {
    if (!this.escalationTopic) return;
    const attributes = this.props.protectedAttributes ?? ["isAdmin"];
    new PipesPipe(this, "escalation-pipe", {
      name: `${this.props.name}-privilege-escalation`,
      description: `Alerts when a write sets ${attributes.join(", ")} to true`,
      roleArn: pipeRole.arn,
      source: this.props.streamArn,
      sourceParameters: {
        dynamodbStreamParameters: { startingPosition: "LATEST", batchSize: 10, maximumRetryAttempts: 10 },
        filterCriteria: {
          filter: attributes.map((a) => ({
            pattern: JSON.stringify({
              eventName: ["INSERT", "MODIFY"],
              dynamodb: { NewImage: { [a]: { BOOL: [true] } } },
            }),
          })),
        },
      },
      target: this.escalationTopic.arn,
      tags: this.props.tags,
    });
  }

  private role(
    id: string,
    name: string,
    service: string,
    accountId: string,
    statements: DataAwsIamPolicyDocumentStatement[],
  ): IamRole {
    const trust = new DataAwsIamPolicyDocument(this, `${id}-trust`, {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: [service] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
        },
      ],
    });
    const role = new IamRole(this, id, { name, assumeRolePolicy: trust.json, tags: this.props.tags });
    const policy = new DataAwsIamPolicyDocument(this, `${id}-document`, { statement: statements });
    new IamRolePolicy(this, `${id}-policy`, { role: role.id, name, policy: policy.json });
    return role;
  }

  private fail(prop: string, message: string): never {
    throw new GuardrailConfigError(this.node.path, prop, message);
  }

  private validateRetention(): void {
    const days = this.props.retentionDays;
    if (!Token.isUnresolved(days) && !(Number.isInteger(days) && days >= 1)) {
      this.fail(
        "retentionDays",
        `\`retentionDays\` must be a whole number of days, at least 1, got ${shown(days)}; set how long archived records must be kept.`,
      );
    }
  }

  private validateStream(): void {
    const arn = this.props.streamArn;
    if (!Token.isUnresolved(arn) && !/^arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table\/[\w.-]+\/stream\/.+$/.test(arn)) {
      this.fail(
        "streamArn",
        `\`streamArn\` must be a DynamoDB stream ARN, got ${shown(arn)}; pass \`SecureTable.streamArn\` of a table with \`stream\` set.`,
      );
    }
  }

  private validateProtectedAttributes(): void {
    const attributes = this.props.protectedAttributes;
    if (attributes !== undefined && attributes.length === 0 && (this.props.privilegeEscalationAlert ?? true)) {
      this.fail(
        "protectedAttributes",
        "`protectedAttributes` cannot be empty while `privilegeEscalationAlert` is on, got []; name the attributes or set `privilegeEscalationAlert: false`.",
      );
    }
  }
}
