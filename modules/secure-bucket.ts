import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import type { ResolvedEnvironment } from "./environment";
import { type BucketRole, GUARDRAIL_TAGS, withGuardrailTags } from "./guardrail-tags";

export interface SecureBucketProps {
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  readonly environment: ResolvedEnvironment;
  /** Object Lock in compliance mode with this default retention. @default no Object Lock */
  readonly objectLockRetentionDays?: number;
  /** Statements added to the bucket policy (service writers). @default none */
  readonly extraStatements?: readonly DataAwsIamPolicyDocumentStatement[];
  /** What the bucket holds, recorded in the `ddb-guardrails:role` tag for the guardrails. */
  readonly role: BucketRole;
  /** @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An S3 bucket for audit data, shared by the constructs: KMS encryption with the given key,
 * versioning, all public access blocked, ACLs disabled, TLS-only bucket policy, optional Object Lock.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const locked = props.objectLockRetentionDays !== undefined;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      objectLockEnabled: locked ? true : undefined,
      tags: withGuardrailTags(props.tags, { [GUARDRAIL_TAGS.role]: props.role }),
    });
    this.arn = this.bucket.arn;
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    if (locked) {
      new S3BucketObjectLockConfigurationA(this, "object-lock", {
        bucket: this.bucket.id,
        rule: { defaultRetention: { mode: "COMPLIANCE", days: props.objectLockRetentionDays } },
        dependsOn: [versioning],
      });
    }
    const bucketArn = `arn:${props.environment.partition}:s3:::${props.bucketName}`;
    const document = new DataAwsIamPolicyDocument(this, "policy-document", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "AWS", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [bucketArn, `${bucketArn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
        ...(props.extraStatements ?? []),
      ],
    });
    this.policy = new S3BucketPolicy(this, "policy", { bucket: this.bucket.id, policy: document.json });
  }
}
