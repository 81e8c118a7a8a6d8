import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { GuardrailConfigError, shown } from "./errors";
import { tablesAndIndexes } from "./internal/resources";
import { requireWaiver } from "./internal/waivers";
import { ATTRIBUTE_WRITE_ACTIONS, ITEM_READ_ACTIONS, ITEM_WRITE_ACTIONS, UNBOUNDED_READ_ACTIONS } from "./iam-actions";

/** Which identity value an item's partition key must equal (`dynamodb:LeadingKeys`). */
export class LeadingKey {
  /** `${aws:username}`: the IAM user's name. Present for IAM users only, absent for roles (then access is denied). */
  static username(): LeadingKey {
    return new LeadingKey("${aws:username}");
  }
  /** `${aws:PrincipalTag/<tag>}`: a tag on the role or a session tag, for roles. */
  static principalTag(tag: string): LeadingKey {
    if (!/^[\w+=.@:/-]{1,128}$/.test(tag)) {
      throw new GuardrailConfigError(
        "LeadingKey",
        "tag",
        `\`tag\` must be a valid IAM tag key, got ${shown(tag)}; use letters, digits and + = . @ : / - _.`,
      );
    }
    return new LeadingKey(`\${aws:PrincipalTag/${tag}}`);
  }
  /** A web identity id, e.g. `cognito-identity.amazonaws.com:sub` or `www.amazon.com:user_id`. */
  static webIdentity(variable: string): LeadingKey {
    if (!/^[\w.-]+:[\w]+$/.test(variable)) {
      throw new GuardrailConfigError(
        "LeadingKey",
        "variable",
        `\`variable\` must look like "<provider>:<key>", got ${shown(variable)}; e.g. "cognito-identity.amazonaws.com:sub".`,
      );
    }
    return new LeadingKey(`\${${variable}}`);
  }
  /** The IAM policy variable, e.g. `${aws:username}`. */
  readonly policyVariable: string;
  private constructor(policyVariable: string) {
    this.policyVariable = policyVariable;
  }
  /**
   * The variable as `aws_iam_policy_document` expects it (`&{...}`, rendered as `${...}` in the JSON),
   * so that Terraform does not read it as an interpolation.
   */
  get policyDocumentValue(): string {
    return `&${this.policyVariable.slice(1)}`;
  }
}

/** What a tenant may do with its own items. */
export type TenantAccessLevel = "read" | "read-write";

export interface TenantAccessRoleProps {
  readonly roleName: string;
  /** Services that assume the role, e.g. `lambda.amazonaws.com`. @default none */
  readonly servicePrincipals?: readonly string[];
  /** AWS principals (ARNs) that assume the role. @default none */
  readonly awsPrincipals?: readonly string[];
}

export interface TenantAccessPolicyProps {
  /** Name of the managed policy. */
  readonly policyName: string;
  /** ARNs of the tables (their indexes are included). */
  readonly tableArns: readonly string[];
  /**
   * The identity value the partition key must equal.
   * @default LeadingKey.username()
   */
  readonly leadingKey?: LeadingKey;
  /**
   * Named for the intent: "read" or "read-write" on the tenant's own items.
   * @default "read-write"
   */
  readonly access?: TenantAccessLevel;
  /**
   * Attribute allow-list (`dynamodb:Attributes`); reads must then ask for specific attributes
   * (`dynamodb:Select = SPECIFIC_ATTRIBUTES`). Must include the key attributes.
   * @default every attribute
   */
  readonly allowedAttributes?: readonly string[];
  /**
   * Attributes no write may touch (explicit Deny on any write that names them).
   * @default ["isAdmin"]
   */
  readonly protectedAttributes?: readonly string[];
  /**
   * Requests must come through one of these VPC endpoints (`aws:SourceVpce`), else they are denied.
   * Leaving it out needs `sourceVpceWaiver`.
   * @default none (then `sourceVpceWaiver` is required)
   */
  readonly sourceVpceIds?: readonly string[];
  /** Why requests may come from outside a VPC endpoint (required without `sourceVpceIds`). @default none */
  readonly sourceVpceWaiver?: string;
  /**
   * Allowed source CIDRs (`aws:VpcSourceIp` through an endpoint, `aws:SourceIp` otherwise).
   * @default any address
   */
  readonly sourceIpCidrs?: readonly string[];
  /** Access allowed only from this time (ISO 8601, `aws:CurrentTime`). @default no start */
  readonly notBefore?: string;
  /** Access allowed only until this time (ISO 8601, `aws:CurrentTime`). @default no end */
  readonly notAfter?: string;
  /**
   * Role to attach the policy to: the name of an existing role, or one to create.
   * @default none (attach with `attachToRole` / `attachToGroup`)
   */
  readonly role?: string | TenantAccessRoleProps;
}

/**
 * Least-privilege, item-level IAM for a multi-tenant table: each tenant reads and writes only the
 * items whose partition key equals its identity (`dynamodb:LeadingKeys`). Scan is denied, writes
 * to protected attributes are denied, and requests from outside the VPC endpoint are denied.
 */
export class TenantAccessPolicy extends Construct {
  readonly policy: IamPolicy;
  readonly document: DataAwsIamPolicyDocument;
  /** The role created from `role` props, if any. */
  readonly role?: IamRole;
  readonly policyArn: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: TenantAccessPolicyProps,
  ) {
    super(scope, id);
    this.validateTables();
    this.validateEndpoint();
    this.validateAttributes();
    this.validateTimeWindow();

    this.document = new DataAwsIamPolicyDocument(this, "document", { statement: this.statements() });
    this.policy = new IamPolicy(this, "policy", {
      name: props.policyName,
      description: "Tenant item-level access to DynamoDB (dynamodb:LeadingKeys)",
      policy: this.document.json,
    });
    this.policyArn = this.policy.arn;

    if (typeof props.role === "string") {
      this.attachToRole(props.role);
    } else if (props.role !== undefined) {
      this.role = this.createRole(props.role);
      this.attachToRole(this.role.name);
    }
  }

  /** Attaches the tenant policy to an existing role. */
  attachToRole(roleName: string): void {
    new IamRolePolicyAttachment(this, `role-${this.node.children.length}`, {
      role: roleName,
      policyArn: this.policy.arn,
    });
  }

  /** Attaches the tenant policy to an IAM group (for `LeadingKey.username()`, whose users are IAM users). */
  attachToGroup(groupName: string): void {
    new IamGroupPolicyAttachment(this, `group-${this.node.children.length}`, {
      group: groupName,
      policyArn: this.policy.arn,
    });
  }

  private statements(): DataAwsIamPolicyDocumentStatement[] {
    const p = this.props;
    const leadingKey = (p.leadingKey ?? LeadingKey.username()).policyDocumentValue;
    const resources = tablesAndIndexes(p.tableArns);
    const writes = (p.access ?? "read-write") === "read-write";
    const allowConditions = [
      { test: "ForAllValues:StringEquals", variable: "dynamodb:LeadingKeys", values: [leadingKey] },
    ];
    if (p.allowedAttributes?.length) {
      allowConditions.push(
        { test: "ForAllValues:StringEquals", variable: "dynamodb:Attributes", values: [...p.allowedAttributes] },
        { test: "StringEqualsIfExists", variable: "dynamodb:Select", values: ["SPECIFIC_ATTRIBUTES"] },
      );
    }
    const statements: DataAwsIamPolicyDocumentStatement[] = [
      {
        sid: "TenantOwnItems",
        effect: "Allow",
        actions: [...ITEM_READ_ACTIONS, ...(writes ? ITEM_WRITE_ACTIONS : [])],
        resources,
        condition: allowConditions,
      },
      { sid: "DenyScan", effect: "Deny", actions: [...UNBOUNDED_READ_ACTIONS], resources },
      {
        sid: "DenyProtectedAttributeWrites",
        effect: "Deny",
        actions: [...ATTRIBUTE_WRITE_ACTIONS],
        resources,
        condition: [
          {
            test: "ForAnyValue:StringEquals",
            variable: "dynamodb:Attributes",
            values: [...(p.protectedAttributes ?? ["isAdmin"])],
          },
        ],
      },
    ];
    if (p.sourceVpceIds?.length) {
      statements.push({
        sid: "DenyOutsideVpcEndpoint",
        effect: "Deny",
        actions: ["dynamodb:*"],
        resources,
        condition: [{ test: "StringNotEquals", variable: "aws:SourceVpce", values: [...p.sourceVpceIds] }],
      });
    }
    if (p.sourceIpCidrs?.length) {
      statements.push({
        sid: "DenyOutsideSourceIps",
        effect: "Deny",
        actions: ["dynamodb:*"],
        resources,
        condition: [
          {
            test: "NotIpAddress",
            variable: p.sourceVpceIds?.length ? "aws:VpcSourceIp" : "aws:SourceIp",
            values: [...p.sourceIpCidrs],
          },
        ],
      });
    }
    if (p.notBefore) {
      statements.push({
        sid: "DenyBeforeWindow",
        effect: "Deny",
        actions: ["dynamodb:*"],
        resources,
        condition: [{ test: "DateLessThan", variable: "aws:CurrentTime", values: [p.notBefore] }],
      });
    }
    if (p.notAfter) {
      statements.push({
        sid: "DenyAfterWindow",
        effect: "Deny",
        actions: ["dynamodb:*"],
        resources,
        condition: [{ test: "DateGreaterThan", variable: "aws:CurrentTime", values: [p.notAfter] }],
      });
    }
    return statements;
  }

  private createRole(role: TenantAccessRoleProps): IamRole {
    if (!role.servicePrincipals?.length && !role.awsPrincipals?.length) {
      this.fail(
        "role",
        `\`role\` must name who assumes ${shown(role.roleName)} (\`servicePrincipals\` or \`awsPrincipals\`), got neither; add one or pass the name of an existing role.`,
      );
    }
    const principals = [];
    if (role.servicePrincipals?.length) principals.push({ type: "Service", identifiers: [...role.servicePrincipals] });
    if (role.awsPrincipals?.length) principals.push({ type: "AWS", identifiers: [...role.awsPrincipals] });
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [{ effect: "Allow", actions: ["sts:AssumeRole", "sts:TagSession"], principals }],
    });
    return new IamRole(this, "role", { name: role.roleName, assumeRolePolicy: trust.json });
  }

  private fail(prop: string, message: string): never {
    throw new GuardrailConfigError(this.node.path, prop, message);
  }

  private validateTables(): void {
    const { tableArns } = this.props;
    if (tableArns.length === 0)
      this.fail("tableArns", "`tableArns` must name at least one table, got []; pass the table ARNs.");
    for (const arn of tableArns) {
      if (!Token.isUnresolved(arn) && arn.includes("*")) {
        this.fail(
          "tableArns",
          `\`tableArns\` must name tables without wildcards, got ${shown(arn)}; list each table ARN.`,
        );
      }
    }
  }

  private validateEndpoint(): void {
    const { sourceVpceIds, sourceVpceWaiver } = this.props;
    requireWaiver(this.node.path, {
      prop: "sourceVpceIds",
      off: !sourceVpceIds?.length,
      waiverProp: "sourceVpceWaiver",
      waiver: sourceVpceWaiver,
      message: `\`sourceVpceIds\` must name the VPC endpoint tenants come through, got ${shown(sourceVpceIds)}; pass the endpoint id, or set \`sourceVpceWaiver\` to a reason.`,
    });
  }

  private validateAttributes(): void {
    const { allowedAttributes, protectedAttributes } = this.props;
    if (protectedAttributes !== undefined && protectedAttributes.length === 0) {
      this.fail(
        "protectedAttributes",
        '`protectedAttributes` cannot be empty, got []; leave it out for ["isAdmin"] or name the attributes tenants must not write.',
      );
    }
    const clash = allowedAttributes?.filter((a) => (protectedAttributes ?? ["isAdmin"]).includes(a)) ?? [];
    if (clash.length > 0) {
      this.fail(
        "allowedAttributes",
        `\`allowedAttributes\` must not include protected attributes, got ${shown(clash)}; remove them from the allow-list.`,
      );
    }
  }

  private validateTimeWindow(): void {
    for (const prop of ["notBefore", "notAfter"] as const) {
      const value = this.props[prop];
      if (value !== undefined && !Token.isUnresolved(value) && Number.isNaN(Date.parse(value))) {
        this.fail(prop, `\`${prop}\` must be an ISO 8601 time, got ${shown(value)}; e.g. "2026-01-01T00:00:00Z".`);
      }
    }
    const { notBefore, notAfter } = this.props;
    if (notBefore && notAfter && Date.parse(notBefore) >= Date.parse(notAfter)) {
      this.fail(
        "notAfter",
        `\`notAfter\` must be later than \`notBefore\`, got ${shown(notAfter)} <= ${shown(notBefore)}; swap or fix them.`,
      );
    }
  }
}
