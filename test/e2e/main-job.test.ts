// The main job end to end on the local emulator (moto, started and stopped by the job itself):
// Snowy's stack synthesized from main.ts, planned, validated, applied from the validated saved plan,
// read back through the AWS SDK, its FGAC policies evaluated with iam-simulate, an insecure variant
// refused by the gate, and everything destroyed.
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand, GetKeyRotationStatusCommand } from "@aws-sdk/client-kms";
import { GetObjectLockConfigurationCommand } from "@aws-sdk/client-s3";
import type { Clients } from "../../demo/aws";
import { isAllowed } from "../../demo/fgac";
import { INSECURE_ROLE, INSECURE_TABLE } from "../../demo/insecure";
import { SESSION_KEY_ALIAS, type Inspection } from "../../demo/inspect";
import { ARCHIVE_KEPT, runMainJob, type MainJobResult } from "../../demo/main-job";

const SESSION_TTL_SECONDS = 30 * 60;

let job: MainJobResult;
const transcript: string[] = [];
// Read straight from the SDK while the stack is applied (the job destroys it afterwards).
const live: Record<string, unknown> = {};

async function readLive(c: Clients, inspection: Inspection): Promise<void> {
  const table = (await c.dynamodb.send(new DescribeTableCommand({ TableName: inspection.table.name }))).Table!;
  const key = (await c.kms.send(new DescribeKeyCommand({ KeyId: SESSION_KEY_ALIAS }))).KeyMetadata!;
  live.table = table;
  live.key = key;
  live.rotation = (await c.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled;
  live.ttl = (
    await c.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: inspection.table.name }))
  ).TimeToLiveDescription;
  live.pitr = (
    await c.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: inspection.table.name }))
  ).ContinuousBackupsDescription;
  live.endpoints = (await c.ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints;
  live.lock = inspection.archiveBucket
    ? (await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: inspection.archiveBucket })))
        .ObjectLockConfiguration
    : undefined;
}

beforeAll(async () => {
  job = await runMainJob({ say: (line) => transcript.push(line), onApplied: readLive });
}, 600_000);

// On failure, the job's own narrative says where it stopped.
const story = () => transcript.join("\n");

describe("the main job on the local emulator", () => {
  test("the job passes end to end", () => {
    expect({ passed: job.passed, story: job.passed ? "" : story() }).toEqual({ passed: true, story: "" });
  });

  test("the gate passes Snowy's plan, so the validated saved plan is applied", () => {
    expect({ gatePassed: job.gatePassed, story: job.gatePassed ? "" : story() }).toEqual({
      gatePassed: true,
      story: "",
    });
  });

  test("every property of the applied stack holds when read back through the SDK", () => {
    const failed = (job.inspection?.checks ?? []).filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(job.inspection?.checks.length).toBeGreaterThanOrEqual(9);
    expect(failed).toEqual([]);
  });

  test("the session table is encrypted with the rotating customer-managed key behind alias/snowy-session-key", () => {
    const table = live.table as {
      SSEDescription?: { SSEType?: string; KMSMasterKeyArn?: string };
      DeletionProtectionEnabled?: boolean;
      StreamSpecification?: { StreamEnabled?: boolean };
    };
    const key = live.key as { Arn?: string; KeyManager?: string };
    expect(key.KeyManager).toBe("CUSTOMER");
    expect(table.SSEDescription?.SSEType).toBe("KMS");
    expect(table.SSEDescription?.KMSMasterKeyArn).toBe(key.Arn);
    expect(live.rotation).toBe(true);
  });

  test("TTL is on expiresAt, PITR and deletion protection are on, the stream is enabled", () => {
    const table = live.table as {
      DeletionProtectionEnabled?: boolean;
      StreamSpecification?: { StreamEnabled?: boolean };
    };
    expect(live.ttl).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" });
    expect(
      (live.pitr as { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string } })
        .PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    ).toBe("ENABLED");
    expect(table.DeletionProtectionEnabled).toBe(true);
    expect(table.StreamSpecification?.StreamEnabled).toBe(true);
  });

  test("the gateway endpoint's policy names the session table and is not full access", () => {
    const gateways = (
      live.endpoints as Array<{ VpcEndpointType?: string; ServiceName?: string; PolicyDocument?: string }>
    ).filter((e) => e.VpcEndpointType === "Gateway" && e.ServiceName?.endsWith(".dynamodb"));
    expect(gateways).toHaveLength(1);
    const policy = gateways[0].PolicyDocument ?? "";
    expect(policy).toContain(job.inspection!.table.arn);
    expect(policy).not.toMatch(/"Action":\s*"\*"/);
  });

  test("the archive bucket has Object Lock in compliance mode", () => {
    expect(live.lock).toMatchObject({
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: "COMPLIANCE" } },
    });
  });

  test("a session written by the stack's handler expires 30 minutes after it was created", () => {
    const data = job.dataPath!;
    expect(data.written).toHaveLength(2);
    for (const s of data.written) expect(s.expiresAt - s.createdAt).toBe(SESSION_TTL_SECONDS);
    expect(data.storedExpiry).toBe(data.written[0].expiresAt);
  });

  test("the deletion appears on the stream as a REMOVE of the deleted key and reaches the archive bucket", () => {
    const data = job.dataPath!;
    expect(data.stream).toContainEqual(
      expect.objectContaining({ event: "REMOVE", keys: `${data.deleted.username}/${data.deleted.sessionId}` }),
    );
    expect(data.stream.filter((r) => r.event === "REMOVE")).toHaveLength(1);
    expect(data.archived.length).toBeGreaterThanOrEqual(1);
  });

  test("iam-simulate on the applied FGAC policies: alice reaches only her own items, via the endpoint, without Scan or isAdmin", () => {
    const policies = job.fgac ?? [];
    expect(policies.map((p) => p.who)).toContain("IAM user alice");
    for (const p of policies) {
      const table = Object.fromEntries(p.decisions.map((d) => [d.description, isAllowed(d) ? "Allowed" : "Denied"]));
      expect({ policy: p.source, table }).toEqual({
        policy: p.source,
        table: {
          "alice GetItem her own item": "Allowed",
          "alice PutItem her own item": "Allowed",
          "alice GetItem bob's item": "Denied",
          "alice Scan the table": "Denied",
          "alice PutItem setting isAdmin": "Denied",
          "alice GetItem, not via the VPC endpoint": "Denied",
        },
      });
    }
  });

  test("the gate refuses the insecure variant (AWS-managed key, a role that may Scan) and none of its resources exist", () => {
    const refusal = job.refusal!;
    expect(refusal.gate.status).toBe(1);
    expect(refusal.gate.stdout).toMatch(/aws_dynamodb_table\.sessions\s+DDB-ENC-001\s/);
    expect(refusal.gate.stdout).toMatch(/aws_iam_role_policy\.reader\s+DDB-FGAC-002\s/);
    expect(refusal.applied).toBe(false);
    expect(refusal.existence).toEqual({
      [`DynamoDB table ${INSECURE_TABLE}`]: "ResourceNotFoundException",
      [`IAM role ${INSECURE_ROLE}`]: "NoSuchEntityException",
    });
  });

  test("destroy succeeds for everything but the archive bucket, which Object Lock keeps (removed from state first)", () => {
    expect(job.keptOutsideState).toContainEqual(expect.stringMatching(/^aws_s3_bucket\.\S*archive/));
    for (const address of job.keptOutsideState!) expect(address).toMatch(ARCHIVE_KEPT);
    expect(job.destroyStatus).toBe(0);
    expect(job.leftAfterDestroy).toEqual([]);
  });

  test("the emulator is stopped when the job ends", async () => {
    expect(job.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(
      fetch(`${job.emulatorUrl}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) }),
    ).rejects.toThrow();
  });
});
