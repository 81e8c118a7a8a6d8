import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { GuardrailConfigError, shown } from "./errors";
import { tablesAndIndexes } from "./internal/resources";
import { ENDPOINT_DATA_ACTIONS } from "./iam-actions";

export interface DynamoDbGatewayEndpointProps {
  readonly vpcId: string;
  /** Route tables of the subnets that reach DynamoDB; at least one. */
  readonly routeTableIds: readonly string[];
  /** Region of the VPC (the endpoint service is `com.amazonaws.<region>.dynamodb`). */
  readonly region: string;
  /**
   * ARNs of the tables reachable through the endpoint (their indexes are included). Wildcards are
   * rejected: an endpoint that reaches any table is an exfiltration path.
   */
  readonly tableArns: readonly string[];
  /**
   * Principals allowed through the endpoint. Give these or `accountId`.
   * @default none (then `accountId` is required)
   */
  readonly principalArns?: readonly string[];
  /**
   * Allow any principal of this account (`aws:PrincipalAccount`), when `principalArns` is not given.
   * @default none
   */
  readonly accountId?: string;
  /**
   * Actions allowed through the endpoint.
   * @default item reads and writes plus DescribeTable (no Scan, no control-plane calls)
   */
  readonly actions?: readonly string[];
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A VPC gateway endpoint for DynamoDB on the given route tables, with an endpoint policy that
 * names the tables and the principals (or the account); never the default full-access policy.
 */
export class DynamoDbGatewayEndpoint extends Construct {
  readonly endpoint: VpcEndpoint;
  readonly endpointId: string;
  /** The prefix list of DynamoDB's public ranges in the region, for security group egress rules. */
  readonly prefixListId: string;
  readonly policyJson: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DynamoDbGatewayEndpointProps,
  ) {
    super(scope, id);
    this.validateRouteTables();
    this.validateTables();
    this.validatePrincipals();
    this.validateActions();

    const resources = tablesAndIndexes(props.tableArns);
    const document = new DataAwsIamPolicyDocument(this, "policy", {
      statement: [
        props.principalArns?.length
          ? {
              sid: "NamedTablesNamedPrincipals",
              effect: "Allow",
              principals: [{ type: "AWS", identifiers: [...props.principalArns] }],
              actions: [...(props.actions ?? ENDPOINT_DATA_ACTIONS)],
              resources,
            }
          : {
              sid: "NamedTablesThisAccount",
              effect: "Allow",
              principals: [{ type: "AWS", identifiers: ["*"] }],
              actions: [...(props.actions ?? ENDPOINT_DATA_ACTIONS)],
              resources,
              condition: [{ test: "StringEquals", variable: "aws:PrincipalAccount", values: [props.accountId!] }],
            },
      ],
    });
    this.policyJson = document.json;
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.dynamodb`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...props.routeTableIds],
      policy: document.json,
      tags: props.tags,
    });
    this.endpointId = this.endpoint.id;
    this.prefixListId = this.endpoint.prefixListId;
  }

  private fail(prop: string, message: string): never {
    throw new GuardrailConfigError(this.node.path, prop, message);
  }

  private validateRouteTables(): void {
    if (this.props.routeTableIds.length === 0) {
      this.fail(
        "routeTableIds",
        "`routeTableIds` must name at least one route table, got []; pass the route tables of the private subnets.",
      );
    }
  }

  private validateTables(): void {
    const { tableArns } = this.props;
    if (tableArns.length === 0)
      this.fail(
        "tableArns",
        "`tableArns` must name at least one table, got []; pass the ARNs of the tables the VPC may reach.",
      );
    for (const arn of tableArns) {
      if (!Token.isUnresolved(arn) && (arn === "*" || arn.includes("*"))) {
        this.fail(
          "tableArns",
          `\`tableArns\` must name tables without wildcards, got ${shown(arn)}; list each table ARN.`,
        );
      }
    }
  }

  private validatePrincipals(): void {
    const { principalArns, accountId } = this.props;
    if (!principalArns?.length && !accountId) {
      this.fail(
        "principalArns",
        "`principalArns` or `accountId` is required: an endpoint policy without either lets any principal through; name the roles or the account.",
      );
    }
    for (const arn of principalArns ?? []) {
      if (!Token.isUnresolved(arn) && arn.trim() === "*") {
        this.fail(
          "principalArns",
          `\`principalArns\` must not contain "*", got ${shown(principalArns)}; name the roles, or use \`accountId\` to allow this account.`,
        );
      }
    }
  }

  private validateActions(): void {
    for (const action of this.props.actions ?? []) {
      if (action === "*" || action === "dynamodb:*") {
        this.fail(
          "actions",
          `\`actions\` must list actions, got ${shown(action)}; name the data-plane actions the VPC needs, or leave it out for item reads and writes.`,
        );
      }
    }
  }
}
