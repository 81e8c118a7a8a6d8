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
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
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
} from "../modules";
import { type ResolvedEnvironment, resolveEnvironment } from "../modules/environment";
import { packageRoot } from "../src/engine/package-root";

export const STACK_NAME = "snowy-sessions";
/** Sessions expire 30 minutes after they are written: the Lambda sets `expiresAt` = now + this. */
export const SESSION_TTL_SECONDS = 30 * 60;
export const SESSION_KEY_ALIAS = "alias/snowy-session-key";

/** The session writer Lambda's code folder, in the source tree whether the app runs from source or from dist/. */
export const SESSION_WRITER_DIR = join(packageRoot(), "app", "lambda", "session-writer");
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

/** Networking the stack's workloads use: private subnets and their route tables, in one VPC. */
interface PrivateNetwork {
  readonly vpc: Vpc;
  readonly subnets: Subnet[];
  readonly routeTables: RouteTable[];
}

/** The session writer's execution role and the role it assumes per request. */
interface WriterRoles {
  readonly role: IamRole;
  readonly roleArn: string;
  readonly logGroup: CloudwatchLogGroup;
  readonly tenantRole: IamRole;
  readonly tenantRoleArn: string;
}

export class SnowySessionsStack extends TerraformStack {
  readonly table: SecureTable;
  private readonly settings: DeploymentSettings;
  private readonly prefix: string;
  private readonly env: ResolvedEnvironment;
  private readonly tableName: string;
  /** Literal (not a reference), so the IAM JSON that names it is known at plan time and the gate can read it. */
  private readonly tableArn: string;

  constructor(scope: Construct, id: string, options: SnowySessionsOptions) {
    super(scope, id);
    this.settings = options.settings;
    this.prefix = options.prefix ?? "snowy";
    this.configureProvider(options.stateFile);
    this.env = resolveEnvironment(this, { accountId: this.settings.accountId, region: this.settings.region });
    const { accountId, region, partition } = this.env;
    this.tableName = `${this.prefix}-sessions`;
    this.tableArn = `arn:${partition}:dynamodb:${region}:${accountId}:table/${this.tableName}`;

    const network = this.configureNetwork();
    this.table = this.configureTable();
    const endpoint = this.configureGatewayEndpoint(network);
    const tenants = this.configureTenantAccess(endpoint);
    this.configureSessionWriter(network, endpoint);
    const audit = this.configureAuditTrail();
    const archive = this.configureDeletionArchive(options.archiveRetentionDays ?? 365);
    this.configureOutputs(endpoint, tenants, audit, archive);
  }

  private configureProvider(stateFile: string | undefined): void {
    if (stateFile) new LocalBackend(this, { path: stateFile });
    new AwsProvider(this, "aws", {
      ...awsProviderConfig(this.settings),
      defaultTags: [{ tags: { Project: STACK_NAME, ManagedBy: "ddb-guardrails" } }],
    });
  }

  /** Private subnets only (no internet gateway, no NAT); DynamoDB through the gateway endpoint. */
  private configureNetwork(): PrivateNetwork {
    const { prefix } = this;
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
          availabilityZone: `${this.env.region}${zone}`,
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
    return { vpc, subnets, routeTables };
  }

  private configureTable(): SecureTable {
    const { emulator } = this.settings;
    return new SecureTable(this, "sessions", {
      tableName: this.tableName,
      partitionKey: { name: "username", type: "S" },
      sortKey: { name: "sessionId", type: "S" },
      keyAlias: SESSION_KEY_ALIAS,
      timeToLiveAttribute: "expiresAt",
      dataClass: "session",
      protectedAttributes: ["isAdmin"],
      stream: "NEW_AND_OLD_IMAGES",
      contributorInsights: !emulator,
      contributorInsightsWaiver: emulator ? "the local emulator does not implement Contributor Insights" : undefined,
      environment: this.env,
    });
  }

  private configureGatewayEndpoint(network: PrivateNetwork): DynamoDbGatewayEndpoint {
    return new DynamoDbGatewayEndpoint(this, "dynamodb-endpoint", {
      vpcId: network.vpc.id,
      routeTableIds: network.routeTables.map((t) => t.id),
      region: this.env.region,
      tableArns: [this.tableArn],
      accountId: this.env.accountId,
      tags: { Name: `${this.prefix}-sessions-dynamodb` },
    });
  }

  /** Each user reaches only the items whose partition key is their IAM user name. */
  private configureTenantAccess(endpoint: DynamoDbGatewayEndpoint): TenantAccessPolicy {
    const { prefix } = this;
    const { accountId, partition } = this.env;
    const tenants = new TenantAccessPolicy(this, "tenant-access", {
      policyName: `${prefix}-session-tenant-access`,
      tableArns: [this.tableArn],
      leadingKey: LeadingKey.username(),
      access: "read-write",
      protectedAttributes: ["isAdmin"],
      sourceVpceIds: [endpoint.endpointId],
      role: { roleName: `${prefix}-session-tenant`, awsPrincipals: [`arn:${partition}:iam::${accountId}:root`] },
    });
    const users = new IamGroup(this, "session-users", { name: `${prefix}-session-users` });
    tenants.attachToGroup(users.name);
    return tenants;
  }

  /** The Lambda that writes sessions, in the private subnets, egress only to DynamoDB's prefix list. */
  private configureSessionWriter(network: PrivateNetwork, endpoint: DynamoDbGatewayEndpoint): void {
    const code = new TerraformAsset(this, "session-writer-code", { path: SESSION_WRITER_DIR, type: AssetType.ARCHIVE });
    const functionName = `${this.prefix}-session-writer`;
    const roles = this.configureWriterRoles(functionName, endpoint);
    const stsEndpointSg = this.configureStsEndpoint(network, roles);
    this.configureWriterFunction(functionName, code, roles, network, endpoint, stsEndpointSg);
  }

  /** The writer's execution role (network interfaces, its own logs) and the tenant role it assumes. */
  private configureWriterRoles(functionName: string, endpoint: DynamoDbGatewayEndpoint): WriterRoles {
    const { prefix } = this;
    const { accountId, partition, region } = this.env;
    const roleName = `${prefix}-session-writer`;
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
    const roleArn = `arn:${partition}:iam::${accountId}:role/${roleName}`;
    const tenant = this.configureWriterTenantRole(role, roleArn, endpoint);
    return { role, roleArn, logGroup, ...tenant };
  }

  /** The role the function assumes per request, tagged with the user's name: item access bound to that tag. */
  private configureWriterTenantRole(
    role: IamRole,
    roleArn: string,
    endpoint: DynamoDbGatewayEndpoint,
  ): Pick<WriterRoles, "tenantRole" | "tenantRoleArn"> {
    const { prefix } = this;
    const { accountId, partition } = this.env;
    const tenantRoleName = `${prefix}-session-writer-tenant`;
    const tenantRoleArn = `arn:${partition}:iam::${accountId}:role/${tenantRoleName}`;
    const tenantTrust = new DataAwsIamPolicyDocument(this, "session-writer-tenant-trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole", "sts:TagSession"],
          principals: [{ type: "AWS", identifiers: [roleArn] }],
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
      tableArns: [this.tableArn],
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
    return { tenantRole, tenantRoleArn };
  }

  /** STS through an interface endpoint (the private subnets have no route to the internet); returns its security group. */
  private configureStsEndpoint(network: PrivateNetwork, roles: WriterRoles): SecurityGroup {
    const { vpc, subnets } = network;
    const stsEndpointSg = new SecurityGroup(this, "sts-endpoint-sg", {
      name: `${this.prefix}-sts-endpoint`,
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
          principals: [{ type: "AWS", identifiers: [roles.roleArn] }],
          actions: ["sts:AssumeRole", "sts:TagSession"],
          resources: [roles.tenantRoleArn],
        },
      ],
    });
    new VpcEndpoint(this, "sts-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${this.env.region}.sts`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds: subnets.map((s) => s.id),
      securityGroupIds: [stsEndpointSg.id],
      policy: stsPolicy.json,
      tags: { Name: `${this.prefix}-sessions-sts` },
    });
    return stsEndpointSg;
  }

  /** The function, with egress to DynamoDB's prefix list and the STS endpoint only. */
  private configureWriterFunction(
    functionName: string,
    code: TerraformAsset,
    roles: WriterRoles,
    network: PrivateNetwork,
    endpoint: DynamoDbGatewayEndpoint,
    stsEndpointSg: SecurityGroup,
  ): void {
    const securityGroup = new SecurityGroup(this, "session-writer-sg", {
      name: `${this.prefix}-session-writer`,
      description: "Session writer: HTTPS to DynamoDB through the gateway endpoint only",
      vpcId: network.vpc.id,
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
      role: roles.role.arn,
      runtime: "nodejs20.x",
      handler: "index.handler",
      filename: code.path,
      sourceCodeHash: code.assetHash,
      timeout: 10,
      memorySize: 128,
      vpcConfig: { subnetIds: network.subnets.map((s) => s.id), securityGroupIds: [securityGroup.id] },
      environment: {
        variables: {
          TABLE_NAME: this.table.tableName,
          TENANT_ROLE_ARN: roles.tenantRoleArn,
          SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS),
        },
      },
      dependsOn: [roles.tenantRole, roles.logGroup],
      tracingConfig: { mode: "Active" },
    });
  }

  private configureAuditTrail(): AuditTrail {
    const { prefix, tableName, tableArn } = this;
    const { accountId, region } = this.env;
    const { emulator } = this.settings;
    return new AuditTrail(this, "audit", {
      trailName: `${prefix}-sessions-audit`,
      tables: [{ tableName, tableArn }],
      logBucketName: `${prefix}-sessions-audit-${accountId}-${region}`,
      logging: !emulator,
      loggingWaiver: emulator ? "the local emulator cannot StartLogging; real AWS records" : undefined,
      largeScanThreshold: 100,
      environment: this.env,
    });
  }

  /** Session deletions, from the table's stream, into a write-once bucket. */
  private configureDeletionArchive(retentionDays: number): StreamArchive {
    const { accountId, region } = this.env;
    return new StreamArchive(this, "deletion-archive", {
      name: `${this.prefix}-sessions`,
      streamArn: this.table.streamArn,
      bucketName: `${this.prefix}-sessions-archive-${accountId}-${region}`,
      retentionDays,
      environment: this.env,
    });
  }

  private configureOutputs(
    endpoint: DynamoDbGatewayEndpoint,
    tenants: TenantAccessPolicy,
    audit: AuditTrail,
    archive: StreamArchive,
  ): void {
    new TerraformOutput(this, "table_name", { value: this.table.tableName });
    new TerraformOutput(this, "table_key_alias", { value: SESSION_KEY_ALIAS });
    new TerraformOutput(this, "vpc_endpoint_id", { value: endpoint.endpointId });
    new TerraformOutput(this, "tenant_role_arn", { value: tenants.role!.arn });
    new TerraformOutput(this, "tenant_policy_arn", { value: tenants.policyArn });
    new TerraformOutput(this, "trail_name", { value: audit.trail.name });
    new TerraformOutput(this, "alert_topic_arn", { value: audit.alertTopic.arn });
    new TerraformOutput(this, "archive_bucket", { value: archive.bucket.bucket.bucket });
    new TerraformOutput(this, "emulator_mode", {
      value: this.settings.emulator,
      description:
        "true: Contributor Insights and replicas left out, trail created with logging off (the emulator cannot run them)",
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
  mkdirSync(stackDir, { recursive: true });
  copyFileSync(join(packageRoot(), ".terraform.lock.hcl"), join(stackDir, ".terraform.lock.hcl"));
  return stackDir;
}
