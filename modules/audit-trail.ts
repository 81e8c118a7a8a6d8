import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { CustomerManagedKey } from "./customer-key";
import { type AwsEnvironment, type ResolvedEnvironment, resolveEnvironment } from "./environment";
import { GuardrailConfigError, shown } from "./errors";
import { requireWaiver } from "./internal/waivers";
import { SecureBucket } from "./secure-bucket";

/** A table the trail watches: its name (for CloudWatch metrics) and ARN (for data events). */
export interface AuditedTable {
  readonly tableName: string;
  readonly tableArn: string;
}

/** Configuration changes that alert: table lifecycle, exports, recovery settings, and key sabotage. */
export const CONFIG_CHANGE_EVENTS = {
  "aws.dynamodb": [
    "CreateTable",
    "UpdateTable",
    "DeleteTable",
    "ExportTableToPointInTime",
    "UpdateContinuousBackups",
    "DeleteBackup",
    "UpdateTimeToLive",
    "PutResourcePolicy",
    "DeleteResourcePolicy",
  ],
  "aws.kms": ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "DisableKeyRotation"],
} as const;

export interface AuditTrailProps {
  /** Name of the trail; also prefixes the log group, bucket, topic and alarms. */
  readonly trailName: string;
  /** Tables whose data events (item reads and writes) are recorded; at least one. */
  readonly tables: readonly AuditedTable[];
  /** Name of the encrypted log bucket (globally unique). */
  readonly logBucketName: string;
  /**
   * Whether the trail records. Turning it off needs `loggingWaiver`.
   * @default true
   */
  readonly logging?: boolean;
  /** Why the trail does not record (required when `logging` is false). @default none */
  readonly loggingWaiver?: string;
  /**
   * CloudWatch Logs retention of the trail's log group, in days (at least 90).
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Alarm when a single Scan returns more items than this (`ReturnedItemCount`, Maximum over 5 minutes).
   * @default 100
   */
  readonly largeScanThreshold?: number;
  /**
   * Alarm when Scan calls on the audited tables exceed this count in 5 minutes (from the trail's log).
   * @default 0 (any Scan alarms)
   */
  readonly scanCallThreshold?: number;
  /** Emails subscribed to the alert topic are managed outside; this is the topic's display name. @default trailName */
  readonly alertTopicName?: string;
  /**
   * AWS Config managed rules for DynamoDB encryption (KMS) and PITR. Needs a configuration recorder in the account.
   * @default false
   */
  readonly configRules?: boolean;
  /** @default the provider's account id and region */
  readonly environment?: AwsEnvironment;
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

const servicePrincipals = (names: string[]) => [{ type: "Service", identifiers: names }];

/**
 * CloudTrail with DynamoDB data events for the given tables (and management events) into an
 * encrypted bucket and CloudWatch Logs; an alarm on Scan calls and on large Scans; EventBridge
 * rules for table and key configuration changes; all alerts go to one encrypted SNS topic.
 */
export class AuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly alertTopic: SnsTopic;
  readonly logGroup: CloudwatchLogGroup;
  readonly key: CustomerManagedKey;
  readonly bucket: SecureBucket;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AuditTrailProps,
  ) {
    super(scope, id);
    this.validateTables();
    this.validateLogging();
    this.validateThresholds();

    const env = resolveEnvironment(this, props.environment);
    const { accountId, region, partition } = env;
    const trailArn = `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${props.trailName}`;
    this.key = this.configureKey(env, trailArn);
    this.bucket = this.configureBucket(env, trailArn, this.key);
    this.logGroup = this.configureLogGroup(this.key);
    this.trail = this.configureTrail(this.configureLogDelivery());
    this.alertTopic = this.configureAlertTopic(accountId, this.key);
    this.alarms();
    this.configChangeRules();
    this.configureConfigRules();
  }

  /** The key of the trail, its log group and its alert topic, usable by exactly those services. */
  private configureKey(env: ResolvedEnvironment, trailArn: string): CustomerManagedKey {
    const { accountId, region, partition } = env;
    return new CustomerManagedKey(this, "key", {
      description: `Encrypts the ${this.props.trailName} audit trail, its logs and alerts`,
      alias: `alias/${this.props.trailName}-audit-key`,
      environment: env,
      usage: [
        {
          sid: "CloudTrailEncryptsLogs",
          effect: "Allow",
          principals: servicePrincipals(["cloudtrail.amazonaws.com"]),
          actions: ["kms:GenerateDataKey*", "kms:DescribeKey"],
          resources: ["*"],
          condition: [
            { test: "StringEquals", variable: "aws:SourceArn", values: [trailArn] },
            {
              test: "StringLike",
              variable: "kms:EncryptionContext:aws:cloudtrail:arn",
              values: [`arn:${partition}:cloudtrail:*:${accountId}:trail/*`],
            },
          ],
        },
        {
          sid: "CloudWatchLogsEncryptsLogGroup",
          effect: "Allow",
          principals: servicePrincipals([`logs.${region}.amazonaws.com`]),
          actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          resources: ["*"],
          condition: [
            {
              test: "ArnLike",
              variable: "kms:EncryptionContext:aws:logs:arn",
              values: [
                `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/cloudtrail/${this.props.trailName}`,
              ],
            },
          ],
        },
        {
          sid: "AlarmsAndEventsPublishToEncryptedTopic",
          effect: "Allow",
          principals: servicePrincipals(["cloudwatch.amazonaws.com", "events.amazonaws.com"]),
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
        },
        {
          sid: "AccountReadsLogsThroughS3",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
          actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
          resources: ["*"],
          condition: [
            {
              test: "StringEquals",
              variable: "kms:ViaService",
              values: [`s3.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`],
            },
            { test: "StringEquals", variable: "kms:CallerAccount", values: [accountId] },
          ],
        },
      ],
      tags: this.props.tags,
    });
  }

  /** The encrypted log bucket, writable by this trail only. */
  private configureBucket(env: ResolvedEnvironment, trailArn: string, key: CustomerManagedKey): SecureBucket {
    const { accountId, partition } = env;
    return new SecureBucket(this, "logs", {
      bucketName: this.props.logBucketName,
      role: "audit-log",
      kmsKeyArn: key.arn,
      environment: env,
      extraStatements: [
        {
          sid: "CloudTrailChecksAcl",
          effect: "Allow",
          principals: servicePrincipals(["cloudtrail.amazonaws.com"]),
          actions: ["s3:GetBucketAcl"],
          resources: [`arn:${partition}:s3:::${this.props.logBucketName}`],
          condition: [{ test: "StringEquals", variable: "aws:SourceArn", values: [trailArn] }],
        },
        {
          sid: "CloudTrailWritesLogs",
          effect: "Allow",
          principals: servicePrincipals(["cloudtrail.amazonaws.com"]),
          actions: ["s3:PutObject"],
          resources: [`arn:${partition}:s3:::${this.props.logBucketName}/AWSLogs/${accountId}/*`],
          condition: [
            { test: "StringEquals", variable: "s3:x-amz-acl", values: ["bucket-owner-full-control"] },
            { test: "StringEquals", variable: "aws:SourceArn", values: [trailArn] },
          ],
        },
      ],
      tags: this.props.tags,
    });
  }

  private configureLogGroup(key: CustomerManagedKey): CloudwatchLogGroup {
    return new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/cloudtrail/${this.props.trailName}`,
      retentionInDays: this.props.logRetentionDays ?? 365,
      kmsKeyId: key.arn,
      tags: this.props.tags,
    });
  }

  /** The role CloudTrail assumes to deliver to the log group, limited to its log streams. */
  private configureLogDelivery(): IamRole {
    const deliveryTrust = new DataAwsIamPolicyDocument(this, "delivery-trust", {
      statement: [
        { effect: "Allow", actions: ["sts:AssumeRole"], principals: servicePrincipals(["cloudtrail.amazonaws.com"]) },
      ],
    });
    const deliveryRole = new IamRole(this, "delivery-role", {
      name: `${this.props.trailName}-cloudwatch-delivery`,
      assumeRolePolicy: deliveryTrust.json,
      tags: this.props.tags,
    });
    const deliveryPolicy = new DataAwsIamPolicyDocument(this, "delivery-policy", {
      statement: [
        {
          effect: "Allow",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:log-stream:*`],
        },
      ],
    });
    new IamRolePolicy(this, "delivery", {
      role: deliveryRole.id,
      name: "deliver-to-cloudwatch-logs",
      policy: deliveryPolicy.json,
    });
    return deliveryRole;
  }

  /** Management events, and data events on the protected tables, to the bucket and the log group. */
  private configureTrail(deliveryRole: IamRole): Cloudtrail {
    return new Cloudtrail(this, "trail", {
      name: this.props.trailName,
      s3BucketName: this.bucket.bucket.id,
      kmsKeyId: this.key.arn,
      enableLogging: this.props.logging ?? true,
      enableLogFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      cloudWatchLogsGroupArn: `${this.logGroup.arn}:*`,
      cloudWatchLogsRoleArn: deliveryRole.arn,
      advancedEventSelector: [
        { name: "Management events", fieldSelector: [{ field: "eventCategory", equalTo: ["Management"] }] },
        {
          name: "DynamoDB data events on the protected tables",
          fieldSelector: [
            { field: "eventCategory", equalTo: ["Data"] },
            { field: "resources.type", equalTo: ["AWS::DynamoDB::Table"] },
            { field: "resources.ARN", equalTo: this.props.tables.map((t) => t.tableArn) },
          ],
        },
      ],
      dependsOn: [this.bucket.policy],
      tags: this.props.tags,
    });
  }

  /** One encrypted topic for every alert, published to by CloudWatch and EventBridge of this account. */
  private configureAlertTopic(accountId: string, key: CustomerManagedKey): SnsTopic {
    const topic = new SnsTopic(this, "alerts", {
      name: this.props.alertTopicName ?? `${this.props.trailName}-alerts`,
      kmsMasterKeyId: key.arn,
      tags: this.props.tags,
    });
    const topicPolicy = new DataAwsIamPolicyDocument(this, "alerts-policy", {
      statement: [
        {
          sid: "AlarmsAndRulesPublish",
          effect: "Allow",
          principals: servicePrincipals(["cloudwatch.amazonaws.com", "events.amazonaws.com"]),
          actions: ["sns:Publish"],
          resources: [topic.arn],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "AWS", identifiers: ["*"] }],
          actions: ["sns:Publish"],
          resources: [topic.arn],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new SnsTopicPolicy(this, "alerts-topic-policy", { arn: topic.arn, policy: topicPolicy.json });
    return topic;
  }

  private configureConfigRules(): void {
    if (this.props.configRules) {
      new ConfigConfigRule(this, "config-encrypted-kms", {
        name: `${this.props.trailName}-dynamodb-table-encrypted-kms`,
        source: { owner: "AWS", sourceIdentifier: "DYNAMODB_TABLE_ENCRYPTED_KMS" },
      });
      new ConfigConfigRule(this, "config-pitr", {
        name: `${this.props.trailName}-dynamodb-pitr-enabled`,
        source: { owner: "AWS", sourceIdentifier: "DYNAMODB_PITR_ENABLED" },
      });
    }
  }

  private alarms(): void {
    const { trailName, tables } = this.props;
    const namespace = `DdbGuardrails/${trailName}`;
    // Scans on the audited tables, as recorded by the trail's data events.
    const tableNames = tables.map((t) => t.tableName);
    const tablePattern = tableNames.every((n) => !Token.isUnresolved(n))
      ? ` && (${tableNames.map((n) => `($.requestParameters.tableName = "${n}")`).join(" || ")})`
      : "";
    new CloudwatchLogMetricFilter(this, "scan-filter", {
      name: `${trailName}-dynamodb-scan`,
      logGroupName: this.logGroup.name,
      pattern: `{ ($.eventSource = "dynamodb.amazonaws.com") && ($.eventName = "Scan")${tablePattern} }`,
      metricTransformation: { name: "DynamoDbScanCalls", namespace, value: "1", defaultValue: "0" },
    });
    new CloudwatchMetricAlarm(this, "scan-alarm", {
      alarmName: `${trailName}-dynamodb-scan-calls`,
      alarmDescription: "Scan calls on audited DynamoDB tables (possible data scraping)",
      namespace,
      metricName: "DynamoDbScanCalls",
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: this.props.scanCallThreshold ?? 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.alertTopic.arn],
    });
    tables.forEach((table, i) => {
      new CloudwatchMetricAlarm(this, `large-scan-alarm-${i}`, {
        alarmName: Fn.format(`${trailName}-large-scan-%s`, [table.tableName]),
        alarmDescription: "A Scan returned more items than the threshold (ReturnedItemCount, Operation=Scan)",
        namespace: "AWS/DynamoDB",
        metricName: "ReturnedItemCount",
        dimensions: { TableName: table.tableName, Operation: "Scan" },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: this.props.largeScanThreshold ?? 100,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [this.alertTopic.arn],
      });
    });
  }

  private configChangeRules(): void {
    for (const [source, names] of Object.entries(CONFIG_CHANGE_EVENTS)) {
      const id = source.replace("aws.", "");
      const rule = new CloudwatchEventRule(this, `${id}-changes`, {
        name: `${this.props.trailName}-${id}-config-changes`,
        description: `Configuration changes of ${source === "aws.kms" ? "KMS keys" : "DynamoDB tables"}`,
        eventPattern: JSON.stringify({
          source: [source],
          "detail-type": ["AWS API Call via CloudTrail"],
          detail: { eventSource: [`${id}.amazonaws.com`], eventName: names },
        }),
        tags: this.props.tags,
      });
      new CloudwatchEventTarget(this, `${id}-changes-target`, { rule: rule.name, arn: this.alertTopic.arn });
    }
  }

  private fail(prop: string, message: string): never {
    throw new GuardrailConfigError(this.node.path, prop, message);
  }

  private validateTables(): void {
    if (this.props.tables.length === 0)
      this.fail(
        "tables",
        "`tables` must name at least one table, got []; pass the tables whose item access must be recorded.",
      );
  }

  private validateLogging(): void {
    const { logging, loggingWaiver } = this.props;
    // DDB-AUD-001 reports the tables, not the trail: a waiver tag on the trail would not reach them.
    requireWaiver(this.node.path, {
      prop: "logging",
      off: logging === false,
      waiverProp: "loggingWaiver",
      waiver: loggingWaiver,
    });
  }

  private validateThresholds(): void {
    const { logRetentionDays, largeScanThreshold, scanCallThreshold } = this.props;
    const allowed = [90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
    if (logRetentionDays !== undefined && !allowed.includes(logRetentionDays)) {
      this.fail(
        "logRetentionDays",
        `\`logRetentionDays\` must be one of ${allowed.join(", ")} (CloudWatch values of at least 90 days), got ${shown(logRetentionDays)}; pick one.`,
      );
    }
    if (largeScanThreshold !== undefined && !(largeScanThreshold >= 1)) {
      this.fail(
        "largeScanThreshold",
        `\`largeScanThreshold\` must be at least 1, got ${shown(largeScanThreshold)}; pick the item count above which a Scan is suspicious.`,
      );
    }
    if (scanCallThreshold !== undefined && !(scanCallThreshold >= 0)) {
      this.fail("scanCallThreshold", `\`scanCallThreshold\` must be 0 or more, got ${shown(scanCallThreshold)}.`);
    }
  }
}
