// AWS SDK v3 clients aimed at the local emulator: loopback endpoint, dummy credentials, few retries.
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { EC2Client } from "@aws-sdk/client-ec2";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

export interface Clients {
  readonly region: string;
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly kms: KMSClient;
  readonly ec2: EC2Client;
  readonly iam: IAMClient;
  readonly cloudtrail: CloudTrailClient;
  readonly cloudwatch: CloudWatchClient;
  readonly s3: S3Client;
  readonly lambda: LambdaClient;
  readonly firehose: FirehoseClient;
  readonly sts: STSClient;
  destroy(): void;
}

export function emulatorClients(endpoint: string, region: string): Clients {
  // Node 20 is this project's engine; the SDK's notice about future releases is noise in the demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 2,
  };
  const clients = {
    dynamodb: new DynamoDBClient(config),
    streams: new DynamoDBStreamsClient(config),
    kms: new KMSClient(config),
    ec2: new EC2Client(config),
    iam: new IAMClient(config),
    cloudtrail: new CloudTrailClient(config),
    cloudwatch: new CloudWatchClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    lambda: new LambdaClient(config),
    firehose: new FirehoseClient(config),
    sts: new STSClient(config),
  };
  return {
    region,
    ...clients,
    destroy: () =>
      Object.values(clients).forEach((c) => {
        c.destroy();
      }),
  };
}

/** The error name of a failed SDK call, or "ok" when it succeeded: for proving that something does not exist. */
export async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return (err as Error).name;
  }
}

/** The emulator's account id (moto's default unless configured): the stack's literal ARNs must use it. */
export async function emulatorAccount(c: Clients): Promise<string> {
  const id = (await c.sts.send(new GetCallerIdentityCommand({}))).Account;
  if (!id) throw new Error("the emulator did not report an account id (sts:GetCallerIdentity)");
  return id;
}
