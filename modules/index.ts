// Public API of the ddb-guardrails constructs.
export { GuardrailConfigError } from "./errors";
export type { AwsEnvironment } from "./environment";
export * from "./secure-table";
export * from "./dynamodb-endpoint";
export * from "./tenant-access";
export * from "./audit-trail";
export * from "./stream-archive";
export { SecureBucket, type SecureBucketProps } from "./secure-bucket";
export { CustomerManagedKey, type CustomerManagedKeyProps } from "./customer-key";
export * as iamActions from "./iam-actions";
export * from "./provider";
export * from "./guardrail-tags";
