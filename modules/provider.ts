import type { AwsProviderConfig, AwsProviderEndpoints } from "@cdktf/provider-aws/lib/provider";

/** Services the constructs and the reference stack call; every one is redirected to an emulator endpoint. */
export const USED_SERVICES = [
  "cloudtrail",
  "cloudwatch",
  "configservice",
  "dynamodb",
  "ec2",
  "events",
  "firehose",
  "iam",
  "kms",
  "lambda",
  "logs",
  "pipes",
  "s3",
  "sns",
  "sts",
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

/** How the provider is configured, read from the environment (see `deploymentSettings`). */
export interface DeploymentSettings {
  readonly region: string;
  /** @default looked up from STS at plan time (real AWS only) */
  readonly accountId?: string;
  /** No AWS calls at plan time: placeholder credentials, no credential, account-id, metadata or region checks. */
  readonly offline: boolean;
  /** Every used service endpoint points here (a local emulator). @default the real AWS endpoints */
  readonly endpoint?: string;
  /**
   * Emulator mode: leaves out what the emulator cannot run (Contributor Insights, replicas) and
   * creates the trail with logging off. Implied by `endpoint`.
   */
  readonly emulator: boolean;
}

/** The access key and secret of an offline plan: placeholders, never sent anywhere, since the plan makes no AWS call. */
export const OFFLINE_CREDENTIAL = "offline-plan-no-aws-calls";

/** The 12-digit account id used when planning offline without `DDB_GUARDRAILS_ACCOUNT_ID`. */
export const OFFLINE_ACCOUNT_ID = "111122223333";

/**
 * Reads DDB_GUARDRAILS_OFFLINE=1, DDB_GUARDRAILS_ENDPOINT=<url>, DDB_GUARDRAILS_EMULATOR=1,
 * DDB_GUARDRAILS_ACCOUNT_ID and DDB_GUARDRAILS_REGION (else AWS_REGION, else eu-west-1).
 */
export function deploymentSettings(env: NodeJS.ProcessEnv = process.env): DeploymentSettings {
  const endpoint = env.DDB_GUARDRAILS_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new Error(`DDB_GUARDRAILS_ENDPOINT must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  const offline = env.DDB_GUARDRAILS_OFFLINE === "1" || endpoint !== undefined;
  const accountId = env.DDB_GUARDRAILS_ACCOUNT_ID?.trim() || (offline ? OFFLINE_ACCOUNT_ID : undefined);
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
    throw new Error(`DDB_GUARDRAILS_ACCOUNT_ID must be 12 digits, got ${JSON.stringify(accountId)}`);
  }
  return {
    region: env.DDB_GUARDRAILS_REGION?.trim() || env.AWS_REGION?.trim() || "eu-west-1",
    accountId,
    offline,
    endpoint,
    emulator: env.DDB_GUARDRAILS_EMULATOR === "1" || endpoint !== undefined,
  };
}

/** The AWS provider configuration for the settings: real AWS unchanged unless offline or an endpoint is set. */
export function awsProviderConfig(settings: DeploymentSettings): AwsProviderConfig {
  const config: { -readonly [K in keyof AwsProviderConfig]: AwsProviderConfig[K] } = { region: settings.region };
  if (settings.offline && !settings.endpoint) {
    // The provider wants some credentials even when it validates none; an offline plan has no use for real ones.
    config.accessKey = OFFLINE_CREDENTIAL;
    config.secretKey = OFFLINE_CREDENTIAL;
  }
  if (settings.offline) {
    config.skipCredentialsValidation = true;
    config.skipRequestingAccountId = true;
    config.skipMetadataApiCheck = "true";
    config.skipRegionValidation = true;
  }
  if (settings.endpoint) {
    config.endpoints = [Object.fromEntries(USED_SERVICES.map((s) => [s, settings.endpoint]))];
    config.s3UsePathStyle = true;
    config.maxRetries = 1;
  }
  return config;
}
