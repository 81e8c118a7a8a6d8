import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import type { ResolvedEnvironment } from "./environment";
import { KMS_ADMIN_ACTIONS } from "./iam-actions";

export interface CustomerManagedKeyProps {
  readonly description: string;
  /** `alias/<name>`. */
  readonly alias: string;
  readonly environment: ResolvedEnvironment;
  /**
   * Principals that administer the key but cannot use it.
   * @default the account root (so that IAM policies in the account decide who administers)
   */
  readonly administratorArns?: readonly string[];
  /** Usage statements (who may use the key, through which service). */
  readonly usage: readonly DataAwsIamPolicyDocumentStatement[];
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A symmetric customer-managed KMS key with rotation on, an alias, and a key policy that keeps
 * administration and usage apart. Shared by the constructs; not a public construct of its own.
 */
export class CustomerManagedKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id);
    const { accountId, partition } = props.environment;
    const admins = props.administratorArns ?? [`arn:${partition}:iam::${accountId}:root`];
    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      statement: [
        {
          sid: "KeyAdministration",
          effect: "Allow",
          principals: [{ type: "AWS", identifiers: [...admins] }],
          actions: [...KMS_ADMIN_ACTIONS],
          resources: ["*"],
        },
        ...props.usage,
      ],
    });
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policy.json,
      tags: props.tags,
    });
    this.alias = new KmsAlias(this, "alias", { name: props.alias, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }
}
