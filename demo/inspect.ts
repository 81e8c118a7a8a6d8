// Reads the applied stack back through the AWS SDK and states what was built, one fact per check.
// Terraform state supplies only identifiers (names, ids); every fact comes from an SDK response.
import { DescribeTrailsCommand, GetEventSelectorsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand } from "@aws-sdk/client-kms";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import type { Clients } from "./aws";

export const SESSION_KEY_ALIAS = "alias/snowy-session-key";
export const EXPIRY_ATTRIBUTE = "expiresAt";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>> | Record<string, unknown>;
}

export interface FgacPolicy {
  readonly policy: PolicyDocument;
  /** Policy ARN, or "<role> inline <name>". */
  readonly source: string;
  readonly attachedTo: string[];
}

export interface Inspection {
  readonly checks: Check[];
  readonly table: { name: string; arn: string; streamArn?: string; hashKey: string; rangeKey?: string };
  readonly endpointId?: string;
  /** The FGAC policies exactly as IAM returns them, with where they are attached. */
  readonly fgac: FgacPolicy[];
  readonly archiveBucket?: string;
}

interface StateResource {
  type: string;
  values: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
const statements = (doc: PolicyDocument) => (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** IAM returns policy documents URL-encoded (RFC 3986); some emulators return them plain. */
export function parsePolicy(document: string): PolicyDocument {
  const text = document.trimStart().startsWith("{") ? document : decodeURIComponent(document);
  return JSON.parse(text) as PolicyDocument;
}

function mentions(doc: PolicyDocument, needle: string): boolean {
  return JSON.stringify(doc).includes(needle);
}

export async function inspectStack(c: Clients, state: StateResource[]): Promise<Inspection> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  // --- table and key
  const aliases = (await c.kms.send(new ListAliasesCommand({}))).Aliases ?? [];
  const alias = aliases.find((a) => a.AliasName === SESSION_KEY_ALIAS);
  const key = alias?.TargetKeyId
    ? (await c.kms.send(new DescribeKeyCommand({ KeyId: alias.TargetKeyId }))).KeyMetadata
    : undefined;
  const rotation = key?.KeyId
    ? (await c.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled
    : undefined;

  const tableNames = state.filter((r) => r.type === "aws_dynamodb_table").map((r) => str(r.values.name));
  const described = await Promise.all(
    tableNames.map(async (n) => (await c.dynamodb.send(new DescribeTableCommand({ TableName: n }))).Table!),
  );
  const table = described.find((t) => key?.Arn && t.SSEDescription?.KMSMasterKeyArn === key.Arn) ?? described[0];
  if (!table?.TableName || !table.TableArn)
    throw new Error(`no DynamoDB table in the applied state (${tableNames.join(", ") || "none"})`);
  const tableName = table.TableName;
  const tableArn = table.TableArn;
  const sse = table.SSEDescription;
  check(
    `Table encrypted with the customer-managed key behind ${SESSION_KEY_ALIAS}`,
    !!key &&
      key.KeyManager === "CUSTOMER" &&
      sse?.Status === "ENABLED" &&
      sse.SSEType === "KMS" &&
      sse.KMSMasterKeyArn === key.Arn,
    `table ${tableName}: SSE ${sse?.Status ?? "off"}/${sse?.SSEType ?? "-"} with ${sse?.KMSMasterKeyArn ?? "an AWS-owned key"}; ` +
      `${SESSION_KEY_ALIAS} -> ${key?.Arn ?? "missing"} (${key?.KeyManager ?? "?"}-managed)`,
  );
  check("Key rotation on", rotation === true, `GetKeyRotationStatus(${key?.KeyId ?? "?"}) = ${rotation}`);

  const ttl = (await c.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  check(
    `TTL on ${EXPIRY_ATTRIBUTE}`,
    ttl?.TimeToLiveStatus === "ENABLED" && ttl.AttributeName === EXPIRY_ATTRIBUTE,
    `TimeToLive ${ttl?.TimeToLiveStatus} on ${ttl?.AttributeName}`,
  );

  const pitr = (await c.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName })))
    .ContinuousBackupsDescription;
  const pitrStatus = pitr?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  check(
    "Point-in-time recovery and deletion protection on",
    pitrStatus === "ENABLED" && table.DeletionProtectionEnabled === true,
    `PITR ${pitrStatus}, deletion protection ${table.DeletionProtectionEnabled}`,
  );
  check(
    "Stream enabled",
    table.StreamSpecification?.StreamEnabled === true && !!table.LatestStreamArn,
    `${table.StreamSpecification?.StreamViewType ?? "no stream"} -> ${table.LatestStreamArn ?? "-"}`,
  );

  // --- network
  const endpoints =
    (
      await c.ec2.send(
        new DescribeVpcEndpointsCommand({
          Filters: [{ Name: "service-name", Values: [`com.amazonaws.${c.region}.dynamodb`] }],
        }),
      )
    ).VpcEndpoints ?? [];
  const gateway = endpoints.find((e) => e.VpcEndpointType === "Gateway");
  const endpointPolicy = gateway?.PolicyDocument ? parsePolicy(gateway.PolicyDocument) : undefined;
  const fullAccess =
    !!endpointPolicy &&
    statements(endpointPolicy).some(
      (s) => s.Effect === "Allow" && list(s.Action).includes("*") && list(s.Resource).includes("*"),
    );
  check(
    "Gateway endpoint with a restrictive policy",
    !!gateway &&
      (gateway.RouteTableIds?.length ?? 0) > 0 &&
      !!endpointPolicy &&
      !fullAccess &&
      mentions(endpointPolicy, table.TableArn),
    gateway
      ? `${gateway.VpcEndpointId} (${gateway.ServiceName}) on ${gateway.RouteTableIds?.length ?? 0} route table(s); policy allows ` +
          statements(endpointPolicy!)
            .filter((s) => s.Effect === "Allow")
            .flatMap((s) => list(s.Action))
            .join(", ") +
          ` on ${tableName}`
      : "no gateway endpoint for DynamoDB",
  );

  // --- fine-grained access: every policy on the stack's roles and groups that binds dynamodb:LeadingKeys
  const fgac: FgacPolicy[] = [];
  const consider = (doc: string | undefined, source: string, attachedTo: string) => {
    if (!doc?.includes("dynamodb:LeadingKeys")) return;
    const existing = fgac.find((f) => f.source === source);
    if (existing) existing.attachedTo.push(attachedTo);
    else fgac.push({ policy: parsePolicy(doc), source, attachedTo: [attachedTo] });
  };
  const managed = async (arn: string) => {
    const version = (await c.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId;
    return (await c.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }))).PolicyVersion
      ?.Document;
  };
  for (const role of state.filter((r) => r.type === "aws_iam_role").map((r) => str(r.values.name))) {
    for (const p of (await c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ??
      []) {
      if (!p.PolicyArn?.startsWith("arn:aws:iam::aws:"))
        consider(await managed(p.PolicyArn!), p.PolicyArn!, `role ${role}`);
    }
    for (const name of (await c.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? []) {
      consider(
        (await c.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }))).PolicyDocument,
        `${role} inline ${name}`,
        `role ${role}`,
      );
    }
  }
  for (const group of state.filter((r) => r.type === "aws_iam_group").map((r) => str(r.values.name))) {
    for (const p of (await c.iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: group }))).AttachedPolicies ??
      []) {
      consider(await managed(p.PolicyArn!), p.PolicyArn!, `group ${group}`);
    }
  }
  const leadingCondition = (doc: PolicyDocument) =>
    statements(doc).find(
      (s) => s.Effect === "Allow" && JSON.stringify(s.Condition ?? {}).includes("dynamodb:LeadingKeys"),
    )?.Condition;
  check(
    "FGAC policy attached with the LeadingKeys condition",
    fgac.length > 0 && fgac.every((f) => !!leadingCondition(f.policy) && mentions(f.policy, tableArn)),
    fgac
      .map(
        (f) =>
          `${f.source} on ${f.attachedTo.join(", ")}: ${JSON.stringify(leadingCondition(f.policy) ?? "no LeadingKeys allow")}`,
      )
      .join("; ") || "no role or group policy with dynamodb:LeadingKeys",
  );

  // --- audit
  const trails = (await c.cloudtrail.send(new DescribeTrailsCommand({}))).trailList ?? [];
  let trailDetail = "no trail";
  let trailOk = false;
  for (const trail of trails) {
    const sel = await c.cloudtrail.send(new GetEventSelectorsCommand({ TrailName: trail.TrailARN ?? trail.Name }));
    const covered = JSON.stringify([sel.EventSelectors ?? [], sel.AdvancedEventSelectors ?? []]);
    if (covered.includes("AWS::DynamoDB::Table")) {
      trailOk = true;
      trailDetail = `trail ${trail.Name} logs DynamoDB data events${covered.includes(table.TableArn) ? ` for ${tableName}` : ""}`;
    }
  }
  const alarms = (await c.cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
  const largeScan = alarms.find(
    (a) =>
      a.MetricName === "ReturnedItemCount" &&
      (a.Dimensions ?? []).some((d) => d.Name === "Operation" && d.Value === "Scan"),
  );
  check(
    "Trail and alarms present",
    trailOk && !!largeScan,
    `${trailDetail}; alarms: ${alarms.map((a) => `${a.AlarmName} (${a.Namespace}/${a.MetricName} ${a.ComparisonOperator} ${a.Threshold})`).join(", ") || "none"}`,
  );

  // --- archive
  const buckets = state
    .filter((r) => r.type === "aws_s3_bucket" && r.values.object_lock_enabled === true)
    .map((r) => str(r.values.bucket));
  const archiveBucket = buckets[0];
  if (archiveBucket) {
    const lock = (await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: archiveBucket })))
      .ObjectLockConfiguration;
    const versioning = (await c.s3.send(new GetBucketVersioningCommand({ Bucket: archiveBucket }))).Status;
    const enc = (await c.s3.send(new GetBucketEncryptionCommand({ Bucket: archiveBucket })))
      .ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    const pab = (await c.s3.send(new GetPublicAccessBlockCommand({ Bucket: archiveBucket })))
      .PublicAccessBlockConfiguration;
    const policy = parsePolicy((await c.s3.send(new GetBucketPolicyCommand({ Bucket: archiveBucket }))).Policy ?? "{}");
    const tlsDeny = statements(policy).some(
      (s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes("aws:SecureTransport"),
    );
    const retention = lock?.Rule?.DefaultRetention;
    check(
      "Archive bucket write-once (Object Lock)",
      lock?.ObjectLockEnabled === "Enabled" &&
        retention?.Mode === "COMPLIANCE" &&
        versioning === "Enabled" &&
        enc?.SSEAlgorithm === "aws:kms" &&
        pab?.BlockPublicAcls === true &&
        pab.RestrictPublicBuckets === true &&
        tlsDeny,
      `${archiveBucket}: Object Lock ${lock?.ObjectLockEnabled} ${retention?.Mode} ${retention?.Days ?? retention?.Years ?? "?"}${retention?.Days ? "d" : "y"}, ` +
        `versioning ${versioning}, ${enc?.SSEAlgorithm ?? "no default encryption"}, public access blocked ${pab?.RestrictPublicBuckets === true}, TLS-only policy ${tlsDeny}`,
    );
  } else {
    check("Archive bucket write-once (Object Lock)", false, "no bucket with Object Lock in the applied state");
  }

  // --- the session Lambda, where the stack has one
  for (const fn of state.filter((r) => r.type === "aws_lambda_function").map((r) => str(r.values.function_name))) {
    const conf = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    check(
      "Lambda in private subnets",
      (conf.VpcConfig?.SubnetIds?.length ?? 0) > 0,
      `${fn}: ${conf.Runtime}, subnets ${conf.VpcConfig?.SubnetIds?.join(", ") || "none"}`,
    );
  }

  const keys = table.KeySchema ?? [];
  return {
    checks,
    table: {
      name: tableName,
      arn: table.TableArn,
      streamArn: table.LatestStreamArn,
      hashKey: keys.find((k) => k.KeyType === "HASH")?.AttributeName ?? "",
      rangeKey: keys.find((k) => k.KeyType === "RANGE")?.AttributeName,
    },
    endpointId: gateway?.VpcEndpointId,
    fgac,
    archiveBucket,
  };
}
