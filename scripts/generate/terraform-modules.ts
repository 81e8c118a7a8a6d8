/**
 * Generates the plain Terraform modules under terraform/<name>/ from the same constructs that
 * CDKTF users get: each construct is synthesized in a stack whose inputs are Terraform variables
 * and whose results are Terraform outputs; provider and backend configuration is removed (a module
 * never configures providers). Usage:
 *   node -r ts-node/register/transpile-only scripts/generate/terraform-modules.ts          regenerate
 *   node -r ts-node/register/transpile-only scripts/generate/terraform-modules.ts --check  fail on drift
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import {
  AuditTrail,
  type DataClass,
  DynamoDbGatewayEndpoint,
  LeadingKey,
  SecureTable,
  type StreamViewType,
  StreamArchive,
  TenantAccessPolicy,
} from "../../modules";

const ROOT = join(__dirname, "..", "..");
const OUT = join(ROOT, "terraform");

interface ModuleSpec {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  /** Fixed choices of the module (what a CDKTF user could change, a module user cannot). */
  readonly fixed: readonly string[];
  readonly build: (stack: TerraformStack) => void;
}

/** A variable named `name` (construct ids are prefixed so that outputs may share names with variables). */
function variable(
  scope: Construct,
  name: string,
  config: { type: string; description: string; default?: unknown },
): TerraformVariable {
  const v = new TerraformVariable(scope, `var-${name}`, { ...config, nullable: false });
  v.overrideLogicalId(name);
  return v;
}
const str = (scope: Construct, name: string, description: string, def?: string) =>
  variable(scope, name, { type: "string", description, default: def }).stringValue;
const list = (scope: Construct, name: string, description: string, def?: string[]) =>
  variable(scope, name, { type: "list(string)", description, default: def }).listValue;
const tags = (scope: Construct) =>
  variable(scope, "tags", { type: "map(string)", description: "Tags for every resource", default: {} }).value as Record<
    string,
    string
  >;
const environment = (scope: Construct) => ({
  accountId: str(scope, "account_id", "The 12-digit AWS account id (used in key policies and ARNs; no STS call)"),
  region: str(scope, "region", "The region of the provider passed to the module"),
});
const out = (scope: Construct, name: string, value: unknown, description: string) =>
  new TerraformOutput(scope, name, { value, description });

const MODULES: readonly ModuleSpec[] = [
  {
    name: "secure-table",
    title: "Secure DynamoDB table",
    summary:
      "A DynamoDB table encrypted with a customer-managed KMS key created for it (rotation on, alias `alias/<table_name>-key`, usage only through DynamoDB), point-in-time recovery, deletion protection, TTL, a stream and Contributor Insights.",
    fixed: [
      "on-demand billing",
      "PITR and deletion protection on",
      "a new customer-managed key per table",
      "no replicas or secondary indexes (use the CDKTF construct for those)",
    ],
    build: (stack) => {
      const env = environment(stack);
      const table = new SecureTable(stack, "table", {
        tableName: str(stack, "table_name", "The table name"),
        partitionKey: {
          name: str(stack, "partition_key", "Name of the partition key attribute (type S)", "pk"),
          type: "S",
        },
        timeToLiveAttribute: str(
          stack,
          "ttl_attribute",
          "Attribute holding the expiry time in epoch seconds",
          "expiresAt",
        ),
        stream: str(
          stack,
          "stream_view_type",
          "Stream view type: NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY",
          "NEW_AND_OLD_IMAGES",
        ) as StreamViewType,
        dataClass: str(
          stack,
          "data_class",
          'What the table stores: "session" (items must expire, see ttl_attribute) or "" (not classified)',
          "",
        ) as DataClass,
        protectedAttributes: list(
          stack,
          "protected_attributes",
          "Attributes no tenant may write, recorded in the ddb-guardrails:protected-attributes tag (DDB-FGAC-004)",
          [],
        ),
        environment: env,
        tags: tags(stack),
      });
      out(stack, "table_name", table.tableName, "The table name");
      out(stack, "table_arn", table.tableArn, "The table ARN");
      out(stack, "stream_arn", table.streamArn, "The table's stream ARN");
      out(stack, "kms_key_arn", table.kmsKeyArn, "ARN of the table's customer-managed key");
      out(stack, "kms_key_alias", table.key!.alias.name, "Alias of the table's customer-managed key");
    },
  },
  {
    name: "gateway-endpoint",
    title: "DynamoDB gateway endpoint",
    summary:
      "A VPC gateway endpoint for DynamoDB on the given route tables, with an endpoint policy that allows item reads and writes on the named tables (and their indexes) to principals of the given account only.",
    fixed: [
      "principals: the whole account (`aws:PrincipalAccount`); name single roles with the CDKTF construct",
      "actions: item reads and writes plus DescribeTable (no Scan, no control plane)",
    ],
    build: (stack) => {
      const env = environment(stack);
      const endpoint = new DynamoDbGatewayEndpoint(stack, "endpoint", {
        vpcId: str(stack, "vpc_id", "The VPC"),
        routeTableIds: list(stack, "route_table_ids", "Route tables of the subnets that reach DynamoDB"),
        region: env.region,
        tableArns: list(stack, "table_arns", "ARNs of the tables reachable through the endpoint (no wildcards)"),
        accountId: env.accountId,
        tags: tags(stack),
      });
      out(stack, "endpoint_id", endpoint.endpointId, "The endpoint id (for aws:SourceVpce conditions)");
      out(stack, "prefix_list_id", endpoint.prefixListId, "DynamoDB's prefix list, for security group egress rules");
    },
  },
  {
    name: "tenant-access",
    title: "Tenant (item-level) access policy",
    summary:
      "A managed IAM policy giving each IAM user read and write access to the items whose partition key is their user name (`dynamodb:LeadingKeys = ${aws:username}`), with Scan denied, writes to protected attributes denied and requests outside the VPC endpoint denied; attached to the given role.",
    fixed: [
      "leading key: `${aws:username}` (principal tags and web identities: use the CDKTF construct)",
      "access: read-write",
    ],
    build: (stack) => {
      const tenant = new TenantAccessPolicy(stack, "tenant", {
        policyName: str(stack, "policy_name", "Name of the managed policy"),
        tableArns: list(stack, "table_arns", "ARNs of the tables (their indexes are included)"),
        leadingKey: LeadingKey.username(),
        protectedAttributes: list(stack, "protected_attributes", "Attributes no tenant write may touch", ["isAdmin"]),
        sourceVpceIds: list(stack, "source_vpce_ids", "VPC endpoints requests must come through"),
        role: str(stack, "role_name", "Existing role the policy is attached to"),
      });
      out(stack, "policy_arn", tenant.policyArn, "ARN of the managed policy");
    },
  },
  {
    name: "audit-trail",
    title: "DynamoDB audit trail",
    summary:
      "CloudTrail with management events and DynamoDB data events for one table, into a KMS-encrypted, versioned, TLS-only bucket and CloudWatch Logs; an alarm on Scan calls, an alarm on large Scans (ReturnedItemCount) and EventBridge rules for table and key configuration changes, all to an encrypted SNS topic.",
    fixed: ["logging on", "log retention 365 days", "large-Scan threshold 100 items"],
    build: (stack) => {
      const env = environment(stack);
      const trail = new AuditTrail(stack, "audit", {
        trailName: str(stack, "trail_name", "Name of the trail (prefixes the other names)"),
        tables: [
          {
            tableName: str(stack, "table_name", "The audited table's name"),
            tableArn: str(stack, "table_arn", "The audited table's ARN"),
          },
        ],
        logBucketName: str(stack, "log_bucket_name", "Name of the log bucket (globally unique)"),
        environment: env,
        tags: tags(stack),
      });
      out(stack, "trail_arn", trail.trail.arn, "The trail ARN");
      out(stack, "alert_topic_arn", trail.alertTopic.arn, "SNS topic of the alarms and configuration-change rules");
      out(stack, "log_group_name", trail.logGroup.name, "CloudWatch Logs group of the trail");
    },
  },
  {
    name: "stream-archive",
    title: "Write-once stream archive",
    summary:
      "Archives a table's stream deletions (REMOVE records; TTL expiries keep userIdentity dynamodb.amazonaws.com) through an EventBridge pipe and Firehose into a KMS-encrypted, versioned S3 bucket with Object Lock in compliance mode, and alerts an SNS topic when a write sets `isAdmin` to true.",
    fixed: ["filter: REMOVE records", "protected attribute for the alert: isAdmin"],
    build: (stack) => {
      const env = environment(stack);
      const retention = variable(stack, "retention_days", {
        type: "number",
        description: "Object Lock retention (compliance mode) in days",
      });
      const archive = new StreamArchive(stack, "archive", {
        name: str(stack, "name", "Prefix of the names the archive creates"),
        streamArn: str(stack, "stream_arn", "The table's stream ARN"),
        bucketName: str(stack, "bucket_name", "Name of the archive bucket (globally unique)"),
        retentionDays: retention.numberValue,
        environment: env,
        tags: tags(stack),
      });
      out(stack, "bucket_name", archive.bucket.bucket.bucket, "The archive bucket");
      out(stack, "escalation_topic_arn", archive.escalationTopic!.arn, "SNS topic of the privilege-escalation alert");
    },
  },
];

/** Removes CDKTF metadata comments ("//") everywhere. */
function stripComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripComments);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "//")
        .map(([k, v]) => [k, stripComments(v)]),
    );
  }
  return value;
}

/**
 * The AWS provider versions the modules are built and tested against (the constructs' bindings,
 * @cdktf/provider-aws 20, are for provider 5); the README states the same string.
 */
const AWS_PROVIDER_VERSIONS = ">= 5.100.0, < 6.0.0";

function moduleJson(spec: ModuleSpec, outdir: string): string {
  const app = new App({ outdir, skipValidation: false });
  const stack = new TerraformStack(app, spec.name);
  new AwsProvider(stack, "aws", {}); // required by synthesis; removed below: modules do not configure providers
  spec.build(stack);
  app.synth();
  const doc = JSON.parse(readFileSync(join(outdir, "stacks", spec.name, "cdk.tf.json"), "utf8"));
  delete doc.provider;
  delete doc.terraform.backend;
  doc.terraform.required_providers = { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSIONS } };
  return `${JSON.stringify(stripComments(doc), null, 2)}\n`;
}

function readme(spec: ModuleSpec, json: string): string {
  const doc = JSON.parse(json);
  const variables = Object.entries<{ type: string; description: string; default?: unknown }>(doc.variable ?? {});
  const outputs = Object.entries<{ description?: string }>(doc.output ?? {});
  const resources = Object.values<Record<string, unknown>>(doc.resource ?? {}).reduce(
    (n, r) => n + Object.keys(r).length,
    0,
  );
  const example = variables
    .filter(([, v]) => v.default === undefined)
    .map(([name]) => `  ${name} = ...`)
    .join("\n");
  return `# ${spec.title} (\`terraform/${spec.name}\`)

Generated from the \`${spec.name}\` construct of ddb-guardrails by \`scripts/generate/terraform-modules.ts\`; do not edit.
${spec.summary}

${resources} resources. The module configures no provider: it uses the \`aws\` provider of the caller, hashicorp/aws \`${AWS_PROVIDER_VERSIONS}\`
(AWS provider 6: not yet for this module; the \`ddb-guardrails validate\` gate reads plans of either version).
Fixed in this module: ${spec.fixed.join("; ")}.

\`\`\`hcl
module "${spec.name.replace(/-/g, "_")}" {
  source = "git::<repository URL>//terraform/${spec.name}?ref=<tag>"
${example}
}
\`\`\`

| variable | type | default | description |
| --- | --- | --- | --- |
${variables.map(([n, v]) => `| \`${n}\` | \`${v.type}\` | ${v.default === undefined ? "required" : `\`${JSON.stringify(v.default)}\``} | ${v.description} |`).join("\n")}

| output | description |
| --- | --- |
${outputs.map(([n, o]) => `| \`${n}\` | ${o.description ?? ""} |`).join("\n")}
`;
}

function main(): void {
  const check = process.argv.includes("--check");
  const work = mkdtempSync(join(tmpdir(), "tf-modules-"));
  const stale: string[] = [];
  try {
    for (const spec of MODULES) {
      const json = moduleJson(spec, join(work, spec.name));
      const files: Record<string, string> = { "main.tf.json": json, "README.md": readme(spec, json) };
      const dir = join(OUT, spec.name);
      for (const [file, text] of Object.entries(files)) {
        const path = join(dir, file);
        const current = existsSync(path) ? readFileSync(path, "utf8") : undefined;
        if (current === text) continue;
        if (check) stale.push(`terraform/${spec.name}/${file}`);
        else {
          mkdirSync(dir, { recursive: true });
          writeFileSync(path, text);
          console.error(`wrote terraform/${spec.name}/${file}`);
        }
      }
    }
    const known = new Set(MODULES.map((m) => m.name));
    for (const dir of existsSync(OUT) ? readdirSync(OUT) : []) {
      if (!known.has(dir)) stale.push(`terraform/${dir} (no construct generates it)`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (stale.length > 0) {
    console.error(`Terraform modules are stale: ${stale.join(", ")}\nrun: npm run generate:modules`);
    process.exit(1);
  }
  if (check) console.error("terraform modules are up to date");
}

main();
