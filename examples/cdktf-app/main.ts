// The smallest app that passes the ddb-guardrails gate: a table under a customer-managed key, the
// VPC gateway endpoint it is reached through, per-user item access, and the CloudTrail trail that
// records its data events. `ddb-guardrails validate .` synthesizes, plans and validates it.
//
// Plans without AWS credentials when DDB_GUARDRAILS_OFFLINE=1 (account 111122223333); otherwise
// the account id is looked up at plan time, or taken from DDB_GUARDRAILS_ACCOUNT_ID.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  AuditTrail,
  awsProviderConfig,
  deploymentSettings,
  DynamoDbGatewayEndpoint,
  LeadingKey,
  SecureTable,
  TenantAccessPolicy,
} from "ddb-guardrails";
import { checkSynthesizedStacks } from "ddb-guardrails/synth";

class OrdersStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const settings = deploymentSettings(process.env);
    new AwsProvider(this, "aws", awsProviderConfig(settings));
    const { region } = settings;
    const accountId = settings.accountId;

    const table = new SecureTable(this, "orders", {
      tableName: "orders",
      partitionKey: { name: "customer", type: "S" },
      sortKey: { name: "orderId", type: "S" },
      environment: { accountId, region },
    });

    const vpc = new Vpc(this, "vpc", { cidrBlock: "10.30.0.0/16" });
    const routes = new RouteTable(this, "private-routes", { vpcId: vpc.id });
    const endpoint = new DynamoDbGatewayEndpoint(this, "dynamodb-endpoint", {
      vpcId: vpc.id,
      routeTableIds: [routes.id],
      region,
      tableArns: [table.tableArn],
      accountId,
    });

    // Each IAM user reaches only the items whose partition key is their user name, only through the endpoint.
    new TenantAccessPolicy(this, "customers", {
      policyName: "orders-customer-access",
      tableArns: [table.tableArn],
      leadingKey: LeadingKey.username(),
      access: "read-write",
      sourceVpceIds: [endpoint.endpointId],
    });

    new AuditTrail(this, "audit", {
      trailName: "orders-audit",
      tables: [{ tableName: "orders", tableArn: table.tableArn }],
      logBucketName: `orders-audit-${accountId ?? "account"}-${region}`,
      environment: { accountId, region },
    });
  }
}

const app = new App();
new OrdersStack(app, "orders");
app.synth();
// For teams that run `cdktf deploy`: plan and validate each stack after synth; findings stop the deploy.
// `void`, not `await`: this project is CommonJS (as `cdktf init` makes it), and the call never rejects.
if (process.env.DDB_GUARDRAILS_SYNTH_CHECK === "1") void checkSynthesizedStacks(app);
