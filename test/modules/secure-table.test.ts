import { DynamodbContributorInsights } from "@cdktf/provider-aws/lib/dynamodb-contributor-insights";
import { DynamodbResourcePolicy } from "@cdktf/provider-aws/lib/dynamodb-resource-policy";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { type DataClass, SecureTable, type SecureTableProps } from "../../modules";
import { ENV, fullStack, only, resources, statement, statements, synth, configError } from "./harness";

const base: SecureTableProps = {
  tableName: "sessions",
  partitionKey: { name: "username", type: "S" },
  environment: ENV,
};
const table =
  (props: Partial<SecureTableProps> = {}) =>
  (scope: Construct) =>
    new SecureTable(scope, "sessions", { ...base, ...props });
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("SecureTable defaults", () => {
  const json = synth(table({ timeToLiveAttribute: "expiresAt", stream: "NEW_AND_OLD_IMAGES" }));

  test("encrypts with the customer-managed key it creates, with rotation on", () => {
    expect(json).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
    const t = only(json, "aws_dynamodb_table");
    expect(t.server_side_encryption).toEqual({
      enabled: true,
      kms_key_arn: expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/),
    });
  });

  test("names the key alias/<table>-key", () => {
    expect(json).toHaveResourceWithProperties(KmsAlias, { name: "alias/sessions-key" });
  });

  test("lets the account use the key only through DynamoDB, and keeps administration apart", () => {
    const usage = statement(json, "sessions/key/policy", "KeyUsageThroughDynamoDbOnly");
    expect(usage.condition).toEqual(
      expect.arrayContaining([
        { test: "StringEquals", variable: "kms:ViaService", values: ["dynamodb.eu-west-1.amazonaws.com"] },
      ]),
    );
    const admin = statement(json, "sessions/key/policy", "KeyAdministration");
    expect(admin.actions).not.toEqual(expect.arrayContaining(["kms:Decrypt"]));
    expect(admin.actions.some((a: string) => /^kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt|\*)/.test(a))).toBe(
      false,
    );
    for (const s of statements(json, "sessions/key/policy")) expect(s.effect).toBe("Allow");
  });

  test("turns on point-in-time recovery, deletion protection, TTL, the stream and Contributor Insights", () => {
    expect(json).toHaveResourceWithProperties(DynamodbTable, {
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
      ttl: { enabled: true, attribute_name: "expiresAt" },
      stream_enabled: true,
      stream_view_type: "NEW_AND_OLD_IMAGES",
    });
    expect(json).toHaveResource(DynamodbContributorInsights);
  });

  test("has no stream unless asked", () => {
    expect(only(synth(table()), "aws_dynamodb_table").stream_enabled).toBe(false);
  });

  test("synthesizes a stack that terraform validates", () => {
    expect(fullStack((stack) => table({ timeToLiveAttribute: "expiresAt" })(stack))).toBeValidTerraform();
  });
});

describe("SecureTable options", () => {
  test("uses an existing customer-managed key instead of creating one", () => {
    const json = synth(table({ kmsKeyArn: KEY_ARN }));
    expect(resources(json, "aws_kms_key")).toHaveLength(0);
    expect(only(json, "aws_dynamodb_table").server_side_encryption).toEqual({ enabled: true, kms_key_arn: KEY_ARN });
  });

  test("gives every replica its own regional key and a NEW_AND_OLD_IMAGES stream", () => {
    const replicaKey = "arn:aws:kms:us-east-1:111122223333:key/abcd";
    const t = only(synth(table({ replicas: [{ region: "us-east-1", kmsKeyArn: replicaKey }] })), "aws_dynamodb_table");
    expect(t.replica).toEqual([
      expect.objectContaining({ region_name: "us-east-1", kms_key_arn: replicaKey, point_in_time_recovery: true }),
    ]);
    expect(t.stream_view_type).toBe("NEW_AND_OLD_IMAGES");
  });

  test("projects only keys into a global secondary index by default", () => {
    const t = only(
      synth(
        table({ globalSecondaryIndexes: [{ indexName: "by-device", partitionKey: { name: "device", type: "S" } }] }),
      ),
      "aws_dynamodb_table",
    );
    expect(t.global_secondary_index).toEqual([
      expect.objectContaining({ name: "by-device", hash_key: "device", projection_type: "KEYS_ONLY" }),
    ]);
    expect(t.attribute).toEqual(
      expect.arrayContaining([
        { name: "device", type: "S" },
        { name: "username", type: "S" },
      ]),
    );
  });

  test("sets provisioned capacity only in PROVISIONED mode", () => {
    const t = only(synth(table({ billingMode: "PROVISIONED", readCapacity: 7 })), "aws_dynamodb_table");
    expect(t).toEqual(expect.objectContaining({ billing_mode: "PROVISIONED", read_capacity: 7, write_capacity: 5 }));
  });

  test("attaches a resource policy that names its principals", () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
          Action: "dynamodb:GetItem",
          Resource: "*",
        },
      ],
    });
    expect(synth(table({ resourcePolicy: policy }))).toHaveResourceWithProperties(DynamodbResourcePolicy, { policy });
  });

  test("leaves out Contributor Insights only with a named reason (emulator mode)", () => {
    const json = synth(table({ contributorInsights: false, contributorInsightsWaiver: "the local emulator lacks it" }));
    expect(resources(json, "aws_dynamodb_contributor_insights")).toHaveLength(0);
  });

  test("lets named administrators of the table's account administer the key", () => {
    const admin = "arn:aws:iam::111122223333:role/key-admins";
    const statement0 = statement(
      synth(table({ keyAdministratorArns: [admin] })),
      "sessions/key/policy",
      "KeyAdministration",
    );
    expect(statement0.principals).toEqual([{ type: "AWS", identifiers: [admin] }]);
  });

  test("accepts a resource policy open to any principal of one account", () => {
    const policy = JSON.stringify({
      Statement: [
        {
          Effect: "Allow",
          Principal: "*",
          Action: "dynamodb:GetItem",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalAccount": "${aws:ResourceAccount}" } },
        },
      ],
    });
    expect(synth(table({ resourcePolicy: policy }))).toHaveResourceWithProperties(DynamodbResourcePolicy, { policy });
  });

  test("records a waiver with an expiry as a tag the gate honours, and a plain reason as none", () => {
    const tags = (props: Partial<SecureTableProps>) => only(synth(table(props)), "aws_dynamodb_table").tags;
    expect(
      tags({
        pointInTimeRecovery: false,
        pointInTimeRecoveryWaiver: { reason: "scratch table rebuilt nightly", expires: "2027-03-31" },
        contributorInsights: false,
        contributorInsightsWaiver: { reason: "cost on this table", expires: "2027-01-31" },
        tags: { team: "identity" },
      }),
    ).toEqual({
      team: "identity",
      "ddb-guardrails:waive:DDB-REC-001": "2027-03-31 scratch table rebuilt nightly",
      "ddb-guardrails:waive:DDB-AUD-007": "2027-01-31 cost on this table",
    });
    expect(tags({ deletionProtection: false, deletionProtectionWaiver: "migration window" })).toBeUndefined();
  });

  test("turns point-in-time recovery off only with a named reason", () => {
    const t = only(
      synth(table({ pointInTimeRecovery: false, pointInTimeRecoveryWaiver: "scratch table, rebuilt nightly" })),
      "aws_dynamodb_table",
    );
    expect(t.point_in_time_recovery).toEqual({ enabled: false });
  });
});

describe("SecureTable classification tags (read by the guardrails)", () => {
  test("records the data class and the protected attributes beside the user's tags", () => {
    const json = synth(
      table({
        timeToLiveAttribute: "expiresAt",
        dataClass: "session",
        protectedAttributes: ["isAdmin", "role"],
        tags: { team: "identity" },
      }),
    );
    expect(only(json, "aws_dynamodb_table").tags).toEqual({
      team: "identity",
      "ddb-guardrails:data-class": "session",
      "ddb-guardrails:protected-attributes": "isAdmin role",
    });
  });

  test("from Terraform variables (the generated module), adds each tag only when its variable is set", () => {
    const json = synth((scope) => {
      const dataClass = new TerraformVariable(scope, "data_class", { type: "string" }).stringValue as DataClass;
      const protectedAttributes = new TerraformVariable(scope, "protected_attributes", { type: "list(string)" })
        .listValue;
      new SecureTable(scope, "sessions", { ...base, timeToLiveAttribute: "expiresAt", dataClass, protectedAttributes });
    });
    const tags = only(json, "aws_dynamodb_table").tags as string;
    expect(tags).toMatch(
      /\(length\(var\.data_class\) < 1\) \? \{\} : \{"ddb-guardrails:data-class" = var\.data_class\}/,
    );
    expect(tags).toMatch(
      /\(length\(var\.protected_attributes\) < 1\) \? \{\} : \{"ddb-guardrails:protected-attributes" = join\(" ", var\.protected_attributes\)\}/,
    );
  });

  test("adds no tags when the table is not classified", () => {
    expect(only(synth(table()), "aws_dynamodb_table").tags).toBeUndefined();
  });
});

describe("SecureTable rejects insecure choices at synth time", () => {
  const cases: Array<[string, Partial<SecureTableProps>, string, RegExp]> = [
    [
      "the AWS-managed key",
      { encryption: "AWS_MANAGED" },
      "encryption",
      /`encryption` must be "CUSTOMER_MANAGED", got "AWS_MANAGED"/,
    ],
    ["an AWS-owned key", { encryption: "AWS_OWNED" }, "encryption", /got "AWS_OWNED".*pass `kmsKeyArn`/],
    [
      "the aws/dynamodb alias as key",
      { kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb" },
      "kmsKeyArn",
      /must be a customer-managed key/,
    ],
    ["an empty key ARN", { kmsKeyArn: " " }, "kmsKeyArn", /must be a customer-managed key, got " "/],
    [
      "a reserved key alias",
      { keyAlias: "alias/aws/sessions" },
      "keyAlias",
      /must start with "alias\/" and not "alias\/aws\/"/,
    ],
    [
      "PITR off without a reason",
      { pointInTimeRecovery: false },
      "pointInTimeRecovery",
      /^.*`pointInTimeRecovery` cannot be false without `pointInTimeRecoveryWaiver`; set a reason or remove the override\.$/,
    ],
    [
      "PITR off with a blank reason",
      { pointInTimeRecovery: false, pointInTimeRecoveryWaiver: "  " },
      "pointInTimeRecovery",
      /without `pointInTimeRecoveryWaiver`/,
    ],
    [
      "deletion protection off without a reason",
      { deletionProtection: false },
      "deletionProtection",
      /`deletionProtection` cannot be false without `deletionProtectionWaiver`/,
    ],
    [
      "a replica without its key",
      { replicas: [{ region: "us-east-1" } as never] },
      "replicas[0].kmsKeyArn",
      /replica is encrypted with an AWS-owned key/,
    ],
    [
      "a replica with the AWS-managed key",
      { replicas: [{ region: "us-east-1", kmsKeyArn: "alias/aws/dynamodb" }] },
      "replicas[0].kmsKeyArn",
      /customer-managed key in "us-east-1"/,
    ],
    [
      "a replica in the table's region",
      { replicas: [{ region: "eu-west-1", kmsKeyArn: KEY_ARN }] },
      "replicas[0].region",
      /must be unique and differ/,
    ],
    [
      "replicas with a KEYS_ONLY stream",
      { stream: "KEYS_ONLY", replicas: [{ region: "us-east-1", kmsKeyArn: KEY_ARN }] },
      "stream",
      /must be "NEW_AND_OLD_IMAGES" when `replicas`/,
    ],
    [
      "an INCLUDE index without attributes",
      {
        globalSecondaryIndexes: [{ indexName: "i", partitionKey: { name: "d", type: "S" }, projectionType: "INCLUDE" }],
      },
      "globalSecondaryIndexes[0].nonKeyAttributes",
      /must list attributes/,
    ],
    [
      "a resource policy open to everyone",
      {
        resourcePolicy: JSON.stringify({
          Statement: [{ Effect: "Allow", Principal: "*", Action: "dynamodb:*", Resource: "*" }],
        }),
      },
      "resourcePolicy",
      /Statement\[0\] allows any principal without a condition that pins the caller/,
    ],
    [
      "a resource policy whose condition matches every caller (as DDB-FGAC-005 judges it)",
      {
        resourcePolicy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "*" },
              Action: "dynamodb:GetItem",
              Resource: "*",
              Condition: { StringLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/*" } },
            },
          ],
        }),
      },
      "resourcePolicy",
      /allows any principal without a condition that pins the caller/,
    ],
    [
      "a resource policy narrowed only by a condition true when the key is absent",
      {
        resourcePolicy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              NotPrincipal: { AWS: "arn:aws:iam::111122223333:role/x" },
              Action: "dynamodb:GetItem",
              Resource: "*",
              Condition: { StringEqualsIfExists: { "aws:PrincipalAccount": "111122223333" } },
            },
          ],
        }),
      },
      "resourcePolicy",
      /allows any principal without a condition that pins the caller/,
    ],
    [
      "a waiver whose expiry is not a date",
      { pointInTimeRecovery: false, pointInTimeRecoveryWaiver: { reason: "scratch", expires: "next year" } },
      "pointInTimeRecoveryWaiver.expires",
      /must be the waiver's last day as YYYY-MM-DD, got "next year"/,
    ],
    [
      "a waiver whose reason cannot be a tag value",
      {
        deletionProtection: false,
        deletionProtectionWaiver: { reason: "rebuilt (nightly), see RUNBOOK", expires: "2027-03-31" },
      },
      "deletionProtectionWaiver.reason",
      /is recorded as a tag value/,
    ],
    [
      "a resource policy that is not JSON",
      { resourcePolicy: "{not json" },
      "resourcePolicy",
      /must be a JSON policy document/,
    ],
    [
      "a session table without TTL",
      { dataClass: "session" },
      "timeToLiveAttribute",
      /is required when `dataClass` is "session"/,
    ],
    [
      "Contributor Insights off without a reason",
      { contributorInsights: false },
      "contributorInsights",
      /`contributorInsights` cannot be false without `contributorInsightsWaiver`/,
    ],
    [
      "a key administrator in another account",
      { keyAdministratorArns: ["arn:aws:iam::444455556666:root"] },
      "keyAdministratorArns[0]",
      /must be an IAM principal ARN of the table's account, got "arn:aws:iam::444455556666:root"/,
    ],
    [
      "anyone as key administrator",
      { keyAdministratorArns: ["*"] },
      "keyAdministratorArns[0]",
      /could grant themselves the table's data/,
    ],
    [
      "a protected attribute name with a space",
      { protectedAttributes: ["is Admin"] },
      "protectedAttributes[0]",
      /without spaces, got "is Admin"/,
    ],
  ];

  test.each(cases)("%s", (_name, props, prop, message) => {
    const error = configError(table(props));
    expect(error.prop).toBe(prop);
    expect(error.message).toMatch(message);
    expect(error.message).toContain("sessions");
  });
});
