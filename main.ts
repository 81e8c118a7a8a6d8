/**
 * Snowy's secure session store (the reference app): a session table encrypted with the CMK behind
 * `alias/snowy-session-key`, item-level access per user, a Lambda in private subnets that reaches
 * DynamoDB only through a gateway endpoint, CloudTrail with Scan alarms, 30-minute TTL sessions,
 * and session deletions archived to a write-once bucket.
 *
 * Configuration (environment, or cdktf.json context of the same name in lower camel case):
 *   DDB_GUARDRAILS_REGION (region)        default AWS_REGION, else eu-west-1
 *   DDB_GUARDRAILS_PREFIX (prefix)        default "snowy": prefixes every name
 *   DDB_GUARDRAILS_ACCOUNT_ID             default looked up from STS (111122223333 when offline)
 *   DDB_GUARDRAILS_ARCHIVE_DAYS           Object Lock retention of the archive, default 365
 *   DDB_GUARDRAILS_OFFLINE=1              plan without AWS: no credential/account/metadata/region checks
 *   DDB_GUARDRAILS_ENDPOINT=<url>         every service endpoint at a local emulator (implies the two below)
 *   DDB_GUARDRAILS_EMULATOR=1             emulator mode: no Contributor Insights, no replicas, trail logging off
 *   DDB_GUARDRAILS_STATE_FILE             local state file (relative: to the stack folder); default cdktf's
 *                                         terraform.snowy-sessions.tfstate in the project folder
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { App, AssetType, LocalBackend, TerraformAsset, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  AuditTrail,
  awsProviderConfig,
  type DeploymentSettings,
  deploymentSettings,
  DynamoDbGatewayEndpoint,
  LeadingKey,
  SecureTable,
  StreamArchive,
  TenantAccessPolicy,
} from "./modules";
import { checkSynthesizedStacks } from "./src/cli/synth-check";
import { resolveEnvironment } from "./modules/environment";

export const STACK_NAME = "snowy-sessions";
/** Sessions expire 30 minutes after they are written: the Lambda sets `expiresAt` = now + this. */
export const SESSION_TTL_SECONDS = 30 * 60;
export const SESSION_KEY_ALIAS = "alias/snowy-session-key";

/** The session writer Lambda's code folder (run from source: cdktf.json runs main.ts with ts-node). */
export const SESSION_WRITER_DIR = join(__dirname, "lambda", "session-writer");
/** The session writer: puts a session item whose `expiresAt` (epoch seconds, the TTL attribute) is now + 30 min. */
export const SESSION_WRITER_SOURCE = readFileSync(join(SESSION_WRITER_DIR, "index.mjs"), "utf8");

export interface SnowySessionsOptions {
  readonly settings: DeploymentSettings;
  /** Prefix of every name. @default "snowy" */
  readonly prefix?: string;
  /** Object Lock retention of the deletion archive, in days. @default 365 */
  readonly archiveRetentionDays?: number;
  /** Local state file. @default cdktf's default local backend */
  readonly stateFile?: string;
}

export class SnowySessionsStack extends TerraformStack {
  readonly table: SecureTable;

  constructor(scope: Construct, id: string, options: SnowySessionsOptions) {
    super(scope, id);
    const { settings } = options;
    const prefix = options.prefix ?? "snowy";
    if (options.stateFile) new LocalBackend(this, { path: options.stateFile });
    new AwsProvider(this, "aws", {
      ...awsProviderConfig(settings),
      defaultTags: [{ tags: { Project: STACK_NAME, ManagedBy: "ddb-guardrails" } }],
    });
    const env = resolveEnvironment(this, { accountId: settings.accountId, region: settings.region });
    const { accountId, region, partition } = env;
    const tableName = `${prefix}-sessions`;
    // Literal ARNs (not references) keep the IAM JSON known at plan time, so the gate can read it.
    const tableArn = `arn:${partition}:dynamodb:${region}:${accountId}:table/${tableName}`;
    const writerRoleName = `${prefix}-session-writer`;

    // Network: private subnets only (no internet gateway, no NAT); DynamoDB through the gateway endpoint.
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: "10.20.0.0/16",
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${prefix}-sessions` },
    });
    const subnets = ["a", "b"].map(
      (zone, i) =>
        new Subnet(this, `private-${zone}`, {
          vpcId: vpc.id,
          cidrBlock: `10.20.${i}.0/24`,
          availabilityZone: `${region}${zone}`,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${prefix}-sessions-private-${zone}` },
        }),
    );
    const routeTables = subnets.map((subnet, i) => {
      const table = new RouteTable(this, `private-routes-${i}`, {
        vpcId: vpc.id,
        tags: { Name: `${prefix}-sessions-private-${i}` },
      });
      new RouteTableAssociation(this, `private-routes-${i}-association`, {
        subnetId: subnet.id,
        routeTableId: table.id,
      });
      return table;
    });

    this.table = new SecureTable(this, "sessions", {
      tableName,
      partitionKey: { name: "username", type: "S" },
      sortKey: { name: "sessionId", type: "S" },
      keyAlias: SESSION_KEY_ALIAS,
      timeToLiveAttribute: "expiresAt",
      dataClass: "session",
      protectedAttributes: ["isAdmin"],
      stream: "NEW_AND_OLD_IMAGES",
      contributorInsights: !settings.emulator,
      contributorInsightsWaiver: settings.emulator
        ? "the local emulator does not implement Contributor Insights"
        : undefined,
      environment: env,
    });

    const endpoint = new DynamoDbGatewayEndpoint(this, "dynamodb-endpoint", {
      vpcId: vpc.id,
      routeTableIds: routeTables.map((t) => t.id),
      region,
      tableArns: [tableArn],
      accountId,
      tags: { Name: `${prefix}-sessions-dynamodb` },
    });

    // Each user reaches only the items whose partition key is their IAM user name.
    const tenants = new TenantAccessPolicy(this, "tenant-access", {
      policyName: `${prefix}-session-tenant-access`,
      tableArns: [tableArn],
      leadingKey: LeadingKey.username(),
      access: "read-write",
      protectedAttributes: ["isAdmin"],
      sourceVpceIds: [endpoint.endpointId],
      role: { roleName: `${prefix}-session-tenant`, awsPrincipals: [`arn:${partition}:iam::${accountId}:root`] },
    });
    const users = new IamGroup(this, "session-users", { name: `${prefix}-session-users` });
    tenants.attachToGroup(users.name);

    this.sessionWriter(prefix, writerRoleName, tableArn, endpoint, subnets, vpc);

    const audit = new AuditTrail(this, "audit", {
      trailName: `${prefix}-sessions-audit`,
      tables: [{ tableName, tableArn }],
      logBucketName: `${prefix}-sessions-audit-${accountId}-${region}`,
      logging: !settings.emulator,
      loggingWaiver: settings.emulator ? "the local emulator cannot StartLogging; real AWS records" : undefined,
      largeScanThreshold: 100,
      environment: env,
    });

    const archive = new StreamArchive(this, "deletion-archive", {
      name: `${prefix}-sessions`,
      streamArn: this.table.streamArn,
      bucketName: `${prefix}-sessions-archive-${accountId}-${region}`,
      retentionDays: options.archiveRetentionDays ?? 365,
      environment: env,
    });

    new TerraformOutput(this, "table_name", { value: this.table.tableName });
    new TerraformOutput(this, "table_key_alias", { value: SESSION_KEY_ALIAS });
    new TerraformOutput(this, "vpc_endpoint_id", { value: endpoint.endpointId });
    new TerraformOutput(this, "tenant_role_arn", { value: tenants.role!.arn });
    new TerraformOutput(this, "tenant_policy_arn", { value: tenants.policyArn });
    new TerraformOutput(this, "trail_name", { value: audit.trail.name });
    new TerraformOutput(this, "alert_topic_arn", { value: audit.alertTopic.arn });
    new TerraformOutput(this, "archive_bucket", { value: archive.bucket.bucket.bucket });
    new TerraformOutput(this, "emulator_mode", {
      value: settings.emulator,
      description:
        "true: Contributor Insights and replicas left out, trail created with logging off (the emulator cannot run them)",
    });
  }

  /** The Lambda that writes sessions, in the private subnets, egress only to DynamoDB's prefix list. */
  private sessionWriter(
    prefix: string,
    roleName: string,
    tableArn: string,
    endpoint: DynamoDbGatewayEndpoint,
    subnets: Subnet[],
    vpc: Vpc,
  ): void {
    const { accountId, partition, region } = this.table.environment;
    const code = new TerraformAsset(this, "session-writer-code", { path: SESSION_WRITER_DIR, type: AssetType.ARCHIVE });

    const trust = new DataAwsIamPolicyDocument(this, "session-writer-trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
        },
      ],
    });
    const role = new IamRole(this, "session-writer-role", { name: roleName, assumeRolePolicy: trust.json });
    // What AWSLambdaVPCAccessExecutionRole grants, narrowed to this function's log group.
    const functionName = `${prefix}-session-writer`;
    const logGroup = new CloudwatchLogGroup(this, "session-writer-logs", {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: 365,
    });
    const runtime = new DataAwsIamPolicyDocument(this, "session-writer-runtime", {
      statement: [
        {
          sid: "NetworkInterfacesInPrivateSubnets",
          effect: "Allow",
          actions: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
          ],
          resources: ["*"],
        },
        {
          sid: "OwnLogGroup",
          effect: "Allow",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`arn:${partition}:logs:${region}:${accountId}:log-group:/aws/lambda/${functionName}:*`],
        },
      ],
    });
    new IamRolePolicy(this, "session-writer-runtime-policy", {
      role: role.id,
      name: "vpc-and-logs",
      policy: runtime.json,
    });
    const writerRoleArn = `arn:${partition}:iam::${accountId}:role/${roleName}`;

    // The role the function assumes per request, tagged with the user's name: item access bound to that tag.
    const tenantRoleName = `${prefix}-session-writer-tenant`;
    const tenantRoleArn = `arn:${partition}:iam::${accountId}:role/${tenantRoleName}`;
    const tenantTrust = new DataAwsIamPolicyDocument(this, "session-writer-tenant-trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole", "sts:TagSession"],
          principals: [{ type: "AWS", identifiers: [writerRoleArn] }],
          condition: [
            { test: "StringLike", variable: "aws:RequestTag/username", values: ["?*"] },
            { test: "ForAllValues:StringEquals", variable: "aws:TagKeys", values: ["username"] },
          ],
        },
      ],
    });
    const tenantRole = new IamRole(this, "session-writer-tenant-role", {
      name: tenantRoleName,
      assumeRolePolicy: tenantTrust.json,
      dependsOn: [role],
    });
    new TenantAccessPolicy(this, "session-writer-tenant-access", {
      policyName: `${prefix}-session-writer-tenant-access`,
      tableArns: [tableArn],
      leadingKey: LeadingKey.principalTag("username"),
      access: "read-write",
      sourceVpceIds: [endpoint.endpointId],
      role: tenantRole.name,
    });
    const assume = new DataAwsIamPolicyDocument(this, "session-writer-access", {
      statement: [
        {
          sid: "AssumeTenantRolePerRequest",
          effect: "Allow",
          actions: ["sts:AssumeRole", "sts:TagSession"],
          resources: [tenantRoleArn],
        },
      ],
    });
    new IamRolePolicy(this, "session-writer-policy", {
      role: role.id,
      name: "assume-tenant-role",
      policy: assume.json,
    });

    // STS is reached through an interface endpoint: the private subnets have no route to the internet.
    const stsEndpointSg = new SecurityGroup(this, "sts-endpoint-sg", {
      name: `${prefix}-sts-endpoint`,
      description: "STS interface endpoint: HTTPS from the VPC only",
      vpcId: vpc.id,
      ingress: [
        {
          description: "HTTPS from the VPC",
          fromPort: 443,
          toPort: 443,
          protocol: "tcp",
          cidrBlocks: [vpc.cidrBlock],
          ipv6CidrBlocks: [],
          prefixListIds: [],
          securityGroups: [],
          selfAttribute: false,
        },
      ],
    });
    const stsPolicy = new DataAwsIamPolicyDocument(this, "sts-endpoint-policy", {
      statement: [
        {
          sid: "WriterAssumesTenantRoleOnly",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [writerRoleArn] }],
          actions: ["sts:AssumeRole", "sts:TagSession"],
          resources: [tenantRoleArn],
        },
      ],
    });
    new VpcEndpoint(this, "sts-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${region}.sts`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds: subnets.map((s) => s.id),
      securityGroupIds: [stsEndpointSg.id],
      policy: stsPolicy.json,
      tags: { Name: `${prefix}-sessions-sts` },
    });

    const securityGroup = new SecurityGroup(this, "session-writer-sg", {
      name: `${prefix}-session-writer`,
      description: "Session writer: HTTPS to DynamoDB through the gateway endpoint only",
      vpcId: vpc.id,
      egress: [
        {
          description: "DynamoDB (gateway endpoint prefix list)",
          fromPort: 443,
          toPort: 443,
          protocol: "tcp",
          prefixListIds: [endpoint.prefixListId],
          cidrBlocks: [],
          ipv6CidrBlocks: [],
          securityGroups: [],
          selfAttribute: false,
        },
        {
          description: "STS (interface endpoint)",
          fromPort: 443,
          toPort: 443,
          protocol: "tcp",
          securityGroups: [stsEndpointSg.id],
          cidrBlocks: [],
          ipv6CidrBlocks: [],
          prefixListIds: [],
          selfAttribute: false,
        },
      ],
    });
    new LambdaFunction(this, "session-writer", {
      functionName,
      description: "Writes a 30-minute session (expiresAt = now + 1800 s) to the session table",
      role: role.arn,
      runtime: "nodejs20.x",
      handler: "index.handler",
      filename: code.path,
      sourceCodeHash: code.assetHash,
      timeout: 10,
      memorySize: 128,
      vpcConfig: { subnetIds: subnets.map((s) => s.id), securityGroupIds: [securityGroup.id] },
      environment: {
        variables: {
          TABLE_NAME: this.table.tableName,
          TENANT_ROLE_ARN: tenantRoleArn,
          SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS),
        },
      },
      dependsOn: [tenantRole, logGroup],
      tracingConfig: { mode: "Active" },
    });
  }
}

/** Builds the app: one stack, `snowy-sessions`. */
export function buildApp(env: NodeJS.ProcessEnv = process.env, outdir?: string): App {
  const app = new App(outdir ? { outdir } : undefined);
  const context = (name: string): string | undefined => {
    const value = app.node.tryGetContext(name);
    return typeof value === "string" ? value : undefined;
  };
  const settings = deploymentSettings({
    ...env,
    DDB_GUARDRAILS_REGION: env.DDB_GUARDRAILS_REGION ?? context("region"),
  });
  const days = Number(env.DDB_GUARDRAILS_ARCHIVE_DAYS ?? 365);
  new SnowySessionsStack(app, STACK_NAME, {
    settings,
    prefix: env.DDB_GUARDRAILS_PREFIX ?? context("prefix"),
    archiveRetentionDays: days,
    stateFile: env.DDB_GUARDRAILS_STATE_FILE,
  });
  return app;
}

/** Synthesizes, then puts the committed provider lock file beside the stack, so `terraform init` works offline the first time. */
export function synthesize(app: App): string {
  app.synth();
  const stackDir = join(app.outdir, "stacks", STACK_NAME);
  const lock = join(__dirname, existsSync(join(__dirname, ".terraform.lock.hcl")) ? "" : "..", ".terraform.lock.hcl");
  mkdirSync(stackDir, { recursive: true });
  copyFileSync(lock, join(stackDir, ".terraform.lock.hcl"));
  return stackDir;
}

if (require.main === module) {
  const app = buildApp();
  synthesize(app);
  // For plain `cdktf deploy`: plan and validate each stack after synth, and stop the deploy on
  // findings. Opt-in here, since `npm run main`, the demo and `ddb-guardrails deploy` validate anyway.
  if (process.env.DDB_GUARDRAILS_SYNTH_CHECK === "1") void checkSynthesizedStacks(app);
}
