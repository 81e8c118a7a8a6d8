import { DynamodbContributorInsights } from "@cdktf/provider-aws/lib/dynamodb-contributor-insights";
import { DynamodbResourcePolicy } from "@cdktf/provider-aws/lib/dynamodb-resource-policy";
import {
  DynamodbTable,
  type DynamodbTableGlobalSecondaryIndex,
  type DynamodbTableReplica,
} from "@cdktf/provider-aws/lib/dynamodb-table";
import { Fn, Op, Token } from "cdktf";
import { Construct } from "constructs";
import { CustomerManagedKey } from "./customer-key";
import { type AwsEnvironment, type ResolvedEnvironment, resolveEnvironment } from "./environment";
import { GuardrailConfigError, shown } from "./errors";
import { type DataClass, GUARDRAIL_TAGS, type GuardrailWaiver, withGuardrailTags } from "./guardrail-tags";
import { KMS_TABLE_USAGE_ACTIONS } from "./iam-actions";
import { allowsAnyPrincipal, narrowsCaller } from "./internal/resource-policy";
import { requireWaiver } from "./internal/waivers";

export type AttributeType = "S" | "N" | "B";

export interface Attribute {
  readonly name: string;
  readonly type: AttributeType;
}

/** How the table is encrypted at rest. Only a customer-managed key passes the guardrails. */
export type TableEncryption = "CUSTOMER_MANAGED" | "AWS_MANAGED" | "AWS_OWNED";

export type StreamViewType = "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY";

export interface GlobalSecondaryIndexProps {
  readonly indexName: string;
  readonly partitionKey: Attribute;
  /** @default no sort key */
  readonly sortKey?: Attribute;
  /**
   * Which attributes are copied into the index. `KEYS_ONLY` keeps the index from exposing data
   * that the table's attribute-level policies protect.
   * @default "KEYS_ONLY"
   */
  readonly projectionType?: "ALL" | "KEYS_ONLY" | "INCLUDE";
  /** Attributes copied when `projectionType` is `INCLUDE`. @default none */
  readonly nonKeyAttributes?: readonly string[];
  /** Provisioned capacity when `billingMode` is `PROVISIONED`. @default 5 */
  readonly readCapacity?: number;
  /** @default 5 */
  readonly writeCapacity?: number;
}

export interface ReplicaProps {
  /** The replica's region; must differ from the table's. */
  readonly region: string;
  /**
   * ARN of a customer-managed key in the replica's region. Every replica needs its own regional key:
   * without one the replica falls back to an AWS-owned key.
   */
  readonly kmsKeyArn: string;
}

export interface SecureTableProps {
  /** The table name. */
  readonly tableName: string;
  readonly partitionKey: Attribute;
  /** @default no sort key */
  readonly sortKey?: Attribute;
  /**
   * @default "PAY_PER_REQUEST"
   */
  readonly billingMode?: "PAY_PER_REQUEST" | "PROVISIONED";
  /** Read capacity units when `billingMode` is `PROVISIONED`. @default 5 */
  readonly readCapacity?: number;
  /** Write capacity units when `billingMode` is `PROVISIONED`. @default 5 */
  readonly writeCapacity?: number;
  /**
   * Encryption at rest. `AWS_MANAGED` and `AWS_OWNED` are rejected: they give no key policy, no
   * per-key audit trail and no way to revoke access by disabling the key.
   * @default "CUSTOMER_MANAGED"
   */
  readonly encryption?: TableEncryption;
  /**
   * ARN of an existing customer-managed key to use instead of creating one. Aliases of AWS-managed
   * keys (`alias/aws/...`) are rejected.
   * @default a new key with rotation on, alias `keyAlias`, usage only through DynamoDB
   */
  readonly kmsKeyArn?: string;
  /**
   * Alias of the key the construct creates (ignored with `kmsKeyArn`).
   * @default "alias/<tableName>-key"
   */
  readonly keyAlias?: string;
  /**
   * Principals that administer the created key (and cannot use it).
   * @default the account root, so that IAM policies in the account decide
   */
  readonly keyAdministratorArns?: readonly string[];
  /**
   * Point-in-time recovery. Turning it off needs `pointInTimeRecoveryWaiver`.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Why point-in-time recovery is off (required when `pointInTimeRecovery` is false). With `expires`,
   * the table carries it as a waiver of DDB-REC-001 that the gate honours until that day.
   * @default none
   */
  readonly pointInTimeRecoveryWaiver?: GuardrailWaiver;
  /**
   * Deletion protection. Turning it off needs `deletionProtectionWaiver`.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Why deletion protection is off (required when `deletionProtection` is false). With `expires`, the
   * table carries it as a waiver of DDB-REC-002 that the gate honours until that day.
   * @default none
   */
  readonly deletionProtectionWaiver?: GuardrailWaiver;
  /**
   * Attribute holding the expiry time (epoch seconds); items expire after it.
   * @default no TTL
   */
  readonly timeToLiveAttribute?: string;
  /**
   * DynamoDB Streams view type. Replicas need `NEW_AND_OLD_IMAGES`.
   * @default no stream (or `NEW_AND_OLD_IMAGES` when replicas are given)
   */
  readonly stream?: StreamViewType;
  /** @default no global secondary indexes */
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndexProps[];
  /** Global table replicas, each with its own regional customer-managed key. @default none */
  readonly replicas?: readonly ReplicaProps[];
  /**
   * CloudWatch Contributor Insights (most-accessed and most-throttled keys: abuse and hot-partition
   * signals). Turning it off needs `contributorInsightsWaiver` (e.g. a local emulator lacks it).
   * @default true
   */
  readonly contributorInsights?: boolean;
  /**
   * Why Contributor Insights is off (required when `contributorInsights` is false). With `expires`,
   * the table carries it as a waiver of DDB-AUD-007 that the gate honours until that day.
   * @default none
   */
  readonly contributorInsightsWaiver?: GuardrailWaiver;
  /**
   * A resource-based policy (JSON) for the table. Statements that Allow any principal (`"*"`,
   * `{"AWS": "*"}`, `NotPrincipal`) are rejected unless a condition pins the caller as DDB-FGAC-005
   * requires: a positive operator (StringEquals, StringLike, ArnEquals, ArnLike) on aws:PrincipalAccount,
   * aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceVpce or aws:SourceVpc, with specific values.
   * @default none
   */
  readonly resourcePolicy?: string;
  /** @default the provider's account id and region (see `AwsEnvironment`) */
  readonly environment?: AwsEnvironment;
  /**
   * What the table stores, recorded in the `ddb-guardrails:data-class` tag. `"session"` tables must
   * expire their items, so they need `timeToLiveAttribute`.
   * @default not classified
   */
  readonly dataClass?: DataClass;
  /**
   * Attributes that no tenant may write (e.g. `isAdmin`), recorded in the
   * `ddb-guardrails:protected-attributes` tag so that DDB-FGAC-004 checks every writer's policy
   * denies them. Pair with `TenantAccessPolicy`'s `protectedAttributes`.
   * @default none declared
   */
  readonly protectedAttributes?: readonly string[];
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A DynamoDB table that is secure unless told otherwise, with a reason: encrypted with a
 * customer-managed key (created here with rotation on, alias and least-privilege key policy, or
 * passed in), point-in-time recovery and deletion protection on, Contributor Insights on.
 * Insecure choices throw a `GuardrailConfigError` at synth time.
 */
export class SecureTable extends Construct {
  readonly table: DynamodbTable;
  /** The key the construct created; undefined when `kmsKeyArn` was given. */
  readonly key?: CustomerManagedKey;
  readonly tableName: string;
  readonly tableArn: string;
  readonly kmsKeyArn: string;
  /** The stream ARN (empty when no stream). */
  readonly streamArn: string;
  readonly environment: ResolvedEnvironment;

  /** Waiver tags of the protections turned off with a reason and an expiry (read by the gate). */
  private readonly waiverTags: Record<string, string>;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SecureTableProps,
  ) {
    super(scope, id);
    this.validateEncryption();
    this.waiverTags = this.validateRecovery();
    this.validateStream();
    this.validateReplicas();
    this.validateIndexes();
    this.validateResourcePolicy();
    this.validateClassification();

    this.environment = resolveEnvironment(this, props.environment);
    if (props.kmsKeyArn !== undefined) {
      this.kmsKeyArn = props.kmsKeyArn;
    } else {
      this.key = this.configureKey();
      this.kmsKeyArn = this.key.arn;
    }
    this.table = this.configureTable();
    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.streamArn = this.table.streamArn;
    this.configureContributorInsights();
    this.configureResourcePolicy();
  }

  /** A key usable only through DynamoDB in this account, with rotation on (CustomerManagedKey). */
  private configureKey(): CustomerManagedKey {
    const { props, environment } = this;
    const { region, partition, accountId } = environment;
    return new CustomerManagedKey(this, "key", {
      description: `Encrypts DynamoDB table ${props.tableName}`,
      alias: props.keyAlias ?? `alias/${props.tableName}-key`,
      environment,
      administratorArns: props.keyAdministratorArns,
      usage: [
        {
          sid: "KeyUsageThroughDynamoDbOnly",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
          actions: [...KMS_TABLE_USAGE_ACTIONS],
          resources: ["*"],
          condition: [
            { test: "StringEquals", variable: "kms:ViaService", values: [`dynamodb.${region}.amazonaws.com`] },
            { test: "StringEquals", variable: "kms:CallerAccount", values: [accountId] },
          ],
        },
        {
          sid: "DynamoDbDescribesKey",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["dynamodb.amazonaws.com"] }],
          actions: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants"],
          resources: ["*"],
        },
      ],
      tags: props.tags,
    });
  }

  private configureTable(): DynamodbTable {
    const { props } = this;
    const provisioned = props.billingMode === "PROVISIONED";
    const replicas = props.replicas ?? [];
    const streamView = props.stream ?? (replicas.length > 0 ? "NEW_AND_OLD_IMAGES" : undefined);
    const keyAttributes = new Map<string, AttributeType>();
    for (const a of [
      props.partitionKey,
      props.sortKey,
      ...(props.globalSecondaryIndexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey]),
    ]) {
      if (a) keyAttributes.set(a.name, a.type);
    }

    return new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode: props.billingMode ?? "PAY_PER_REQUEST",
      readCapacity: provisioned ? (props.readCapacity ?? 5) : undefined,
      writeCapacity: provisioned ? (props.writeCapacity ?? 5) : undefined,
      hashKey: props.partitionKey.name,
      rangeKey: props.sortKey?.name,
      attribute: [...keyAttributes].map(([name, type]) => ({ name, type })),
      serverSideEncryption: { enabled: true, kmsKeyArn: this.kmsKeyArn },
      pointInTimeRecovery: { enabled: props.pointInTimeRecovery ?? true },
      deletionProtectionEnabled: props.deletionProtection ?? true,
      ttl: props.timeToLiveAttribute ? { enabled: true, attributeName: props.timeToLiveAttribute } : undefined,
      streamEnabled: streamView !== undefined,
      streamViewType: streamView,
      globalSecondaryIndex: (props.globalSecondaryIndexes ?? []).map(
        (i): DynamodbTableGlobalSecondaryIndex => ({
          name: i.indexName,
          hashKey: i.partitionKey.name,
          rangeKey: i.sortKey?.name,
          projectionType: i.projectionType ?? "KEYS_ONLY",
          nonKeyAttributes: i.nonKeyAttributes ? [...i.nonKeyAttributes] : undefined,
          readCapacity: provisioned ? (i.readCapacity ?? 5) : undefined,
          writeCapacity: provisioned ? (i.writeCapacity ?? 5) : undefined,
        }),
      ),
      replica: replicas.map(
        (r): DynamodbTableReplica => ({
          regionName: r.region,
          kmsKeyArn: r.kmsKeyArn,
          pointInTimeRecovery: props.pointInTimeRecovery ?? true,
          propagateTags: true,
        }),
      ),
      tags: this.tableTags(),
    });
  }

  private configureContributorInsights(): void {
    if (this.props.contributorInsights ?? true) {
      new DynamodbContributorInsights(this, "contributor-insights", { tableName: this.table.name });
    }
  }

  private configureResourcePolicy(): void {
    if (this.props.resourcePolicy !== undefined) {
      new DynamodbResourcePolicy(this, "resource-policy", {
        resourceArn: this.table.arn,
        policy: this.props.resourcePolicy,
      });
    }
  }

  private fail(prop: string, message: string): never {
    throw new GuardrailConfigError(this.node.path, prop, message);
  }

  private validateEncryption(): void {
    const { encryption, kmsKeyArn, keyAlias } = this.props;
    if (encryption !== undefined && encryption !== "CUSTOMER_MANAGED") {
      this.fail(
        "encryption",
        `\`encryption\` must be "CUSTOMER_MANAGED", got ${shown(encryption)}: AWS-owned and AWS-managed keys give no key policy, per-key audit or revocation; remove the override, or pass \`kmsKeyArn\` of your own key.`,
      );
    }
    if (
      kmsKeyArn !== undefined &&
      !Token.isUnresolved(kmsKeyArn) &&
      (kmsKeyArn.trim() === "" || kmsKeyArn.includes("alias/aws/"))
    ) {
      this.fail(
        "kmsKeyArn",
        `\`kmsKeyArn\` must be a customer-managed key, got ${shown(kmsKeyArn)} (the AWS-managed key or empty); pass the ARN of a key you own, or leave it out to have one created.`,
      );
    }
    this.validateKeyAdministrators();
    if (
      keyAlias !== undefined &&
      !Token.isUnresolved(keyAlias) &&
      (!keyAlias.startsWith("alias/") || keyAlias.startsWith("alias/aws/"))
    ) {
      this.fail(
        "keyAlias",
        `\`keyAlias\` must start with "alias/" and not "alias/aws/" (reserved for AWS-managed keys), got ${shown(keyAlias)}.`,
      );
    }
  }

  // Administrators get kms:Create* (CreateGrant): outside the account that hands out the table's data (DDB-ENC-006).
  private validateKeyAdministrators(): void {
    const { keyAdministratorArns, environment } = this.props;
    const accountId = environment?.accountId;
    for (const [i, arn] of (keyAdministratorArns ?? []).entries()) {
      if (Token.isUnresolved(arn)) continue;
      const account = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
      const foreign =
        account !== undefined && accountId !== undefined && !Token.isUnresolved(accountId) && account !== accountId;
      if (arn.trim() === "*" || account === undefined || foreign) {
        this.fail(
          `keyAdministratorArns[${i}]`,
          `\`keyAdministratorArns[${i}]\` must be an IAM principal ARN of the table's account, got ${shown(arn)}; administrators outside the account (or "*") could grant themselves the table's data.`,
        );
      }
    }
  }

  private validateRecovery(): Record<string, string> {
    const p = this.props;
    const path = this.node.path;
    return {
      ...requireWaiver(path, {
        prop: "pointInTimeRecovery",
        off: p.pointInTimeRecovery === false,
        waiverProp: "pointInTimeRecoveryWaiver",
        waiver: p.pointInTimeRecoveryWaiver,
        rule: "DDB-REC-001",
      }),
      ...requireWaiver(path, {
        prop: "deletionProtection",
        off: p.deletionProtection === false,
        waiverProp: "deletionProtectionWaiver",
        waiver: p.deletionProtectionWaiver,
        rule: "DDB-REC-002",
      }),
      ...requireWaiver(path, {
        prop: "contributorInsights",
        off: p.contributorInsights === false,
        waiverProp: "contributorInsightsWaiver",
        waiver: p.contributorInsightsWaiver,
        rule: "DDB-AUD-007",
      }),
    };
  }

  private validateStream(): void {
    const { stream, replicas } = this.props;
    if (replicas?.length && stream !== undefined && stream !== "NEW_AND_OLD_IMAGES") {
      this.fail(
        "stream",
        `\`stream\` must be "NEW_AND_OLD_IMAGES" when \`replicas\` are given (global tables replicate from it), got ${shown(stream)}; change it or leave it out.`,
      );
    }
  }

  private validateReplicas(): void {
    const regions = new Set<string>();
    for (const [i, replica] of (this.props.replicas ?? []).entries()) {
      const arn = replica.kmsKeyArn;
      if (arn === undefined || (!Token.isUnresolved(arn) && (arn.trim() === "" || arn.includes("alias/aws/")))) {
        this.fail(
          `replicas[${i}].kmsKeyArn`,
          `\`replicas[${i}].kmsKeyArn\` must be a customer-managed key in ${shown(replica.region)}, got ${shown(arn)}: without it the replica is encrypted with an AWS-owned key; create a key in that region and pass its ARN.`,
        );
      }
      if (!Token.isUnresolved(replica.region)) {
        if (
          regions.has(replica.region) ||
          (this.props.environment?.region !== undefined && replica.region === this.props.environment.region)
        ) {
          this.fail(
            `replicas[${i}].region`,
            `\`replicas[${i}].region\` must be unique and differ from the table's region, got ${shown(replica.region)}; remove the duplicate.`,
          );
        }
        regions.add(replica.region);
      }
    }
  }

  private validateClassification(): void {
    const { dataClass, timeToLiveAttribute, protectedAttributes } = this.props;
    if (dataClass === "session" && !timeToLiveAttribute?.trim()) {
      this.fail(
        "timeToLiveAttribute",
        `\`timeToLiveAttribute\` is required when \`dataClass\` is "session" (sessions must expire), got ${shown(timeToLiveAttribute)}; name the expiry attribute.`,
      );
    }
    for (const [i, name] of (protectedAttributes ?? []).entries()) {
      if (!/^[^\s]+$/.test(name)) {
        this.fail(
          `protectedAttributes[${i}]`,
          `\`protectedAttributes[${i}]\` must be an attribute name without spaces, got ${shown(name)}; fix the name.`,
        );
      }
    }
  }

  /** The user's tags plus the classification tags the guardrails read. */
  private tableTags(): Record<string, string> | undefined {
    const { tags, dataClass, protectedAttributes } = this.props;
    const classification: Record<string, string> = { ...this.waiverTags };
    // Values only known to Terraform (module variables) add their tag only when set: an empty
    // protected-attributes tag would still mark the table protected.
    const computed: unknown[] = [];
    if (dataClass !== undefined && Token.isUnresolved(dataClass)) {
      computed.push(Fn.conditional(Op.lt(Fn.lengthOf(dataClass), 1), {}, { [GUARDRAIL_TAGS.dataClass]: dataClass }));
    } else if (dataClass) {
      classification[GUARDRAIL_TAGS.dataClass] = dataClass;
    }
    if (protectedAttributes !== undefined && Token.isUnresolved(protectedAttributes)) {
      const joined = Fn.join(" ", protectedAttributes as string[]);
      computed.push(
        Fn.conditional(
          Op.lt(Fn.lengthOf(protectedAttributes), 1),
          {},
          { [GUARDRAIL_TAGS.protectedAttributes]: joined },
        ),
      );
    } else if (protectedAttributes?.length) {
      classification[GUARDRAIL_TAGS.protectedAttributes] = protectedAttributes.join(" ");
    }
    if (computed.length === 0) return withGuardrailTags(tags, classification);
    const known = Object.keys(classification).length > 0 ? [classification] : [];
    return Fn.merge([tags ?? {}, ...known, ...computed]) as unknown as Record<string, string>;
  }

  private validateIndexes(): void {
    for (const [i, index] of (this.props.globalSecondaryIndexes ?? []).entries()) {
      if (index.projectionType === "INCLUDE" && !index.nonKeyAttributes?.length) {
        this.fail(
          `globalSecondaryIndexes[${i}].nonKeyAttributes`,
          `\`globalSecondaryIndexes[${i}].nonKeyAttributes\` must list attributes when \`projectionType\` is "INCLUDE", got ${shown(index.nonKeyAttributes)}; list them or use "KEYS_ONLY".`,
        );
      }
    }
  }

  private validateResourcePolicy(): void {
    const policy = this.props.resourcePolicy;
    if (policy === undefined || Token.isUnresolved(policy)) return;
    let document: { Statement?: unknown };
    try {
      document = JSON.parse(policy);
    } catch {
      return this.fail(
        "resourcePolicy",
        `\`resourcePolicy\` must be a JSON policy document, got ${shown(policy.slice(0, 80))}; pass JSON.stringify(document).`,
      );
    }
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    for (const [i, s] of (statements as Array<Record<string, unknown>>).entries()) {
      if (s?.Effect === "Allow" && allowsAnyPrincipal(s) && !narrowsCaller(s)) {
        this.fail(
          "resourcePolicy",
          `\`resourcePolicy\` Statement[${i}] allows any principal without a condition that pins the caller; name the principals, or add a positive condition with specific values on aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn or aws:SourceVpce (as DDB-FGAC-005 requires).`,
        );
      }
    }
  }
}
