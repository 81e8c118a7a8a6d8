/**
 * The DynamoDB IAM action lists, kept in one place. Each list says what fine-grained access control
 * (FGAC) condition keys do and do not cover: `dynamodb:LeadingKeys` and `dynamodb:Attributes` only
 * constrain item-level data-plane calls; anything they cannot evaluate must be denied outright.
 */

/**
 * Item reads that FGAC covers: `dynamodb:LeadingKeys` is checked against the partition key of every
 * item or key condition. `Scan` is deliberately absent: it reads every partition, so LeadingKeys
 * cannot bound it.
 */
export const ITEM_READ_ACTIONS: readonly string[] = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
];

/**
 * Item writes that FGAC covers (LeadingKeys on the key, `dynamodb:Attributes` on the attribute
 * names written). PartiQL (`ExecuteStatement`, `BatchExecuteStatement`, `ExecuteTransaction`) is
 * absent: its requests are authorised per statement against the same keys, but tooling and policy
 * review miss it easily, so it is not granted here.
 */
export const ITEM_WRITE_ACTIONS: readonly string[] = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

/** Writes that can set an attribute: the actions a protected-attribute Deny must name. */
export const ATTRIBUTE_WRITE_ACTIONS: readonly string[] = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:BatchWriteItem",
];

/**
 * Whole-table reads that no FGAC condition key can bound to a tenant: always denied explicitly in
 * tenant policies, so that a broader grant elsewhere cannot reopen them.
 */
export const UNBOUNDED_READ_ACTIONS: readonly string[] = [
  "dynamodb:Scan",
  "dynamodb:PartiQLSelect",
  "dynamodb:ExportTableToPointInTime",
];

/** Reading a table's stream; stream records are not covered by FGAC at all (a consumer sees every item). */
export const STREAM_READ_ACTIONS: readonly string[] = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
];

/** Data-plane actions a VPC endpoint policy lets through for the named tables (no control-plane calls). */
export const ENDPOINT_DATA_ACTIONS: readonly string[] = [
  ...ITEM_READ_ACTIONS,
  ...ITEM_WRITE_ACTIONS,
  "dynamodb:DescribeTable",
];

/** KMS actions DynamoDB performs with a table's key on the caller's behalf (restricted by kms:ViaService). */
export const KMS_TABLE_USAGE_ACTIONS: readonly string[] = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:CreateGrant",
  "kms:DescribeKey",
];

/** Key administration, kept apart from usage: administrators cannot decrypt data. */
export const KMS_ADMIN_ACTIONS: readonly string[] = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
];
