// The session writer Lambda of Snowy's stack (main.ts): puts a session item whose expiresAt
// (epoch seconds, the TTL attribute) is now + SESSION_TTL_SECONDS.
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { randomUUID } from "node:crypto";

const sts = new STSClient({});
const ttlSeconds = Number(process.env.SESSION_TTL_SECONDS);

// The function holds no DynamoDB permission itself: per request it assumes the tenant role with the
// user's name as a session tag, so dynamodb:LeadingKeys confines the write to that user's items.
export const handler = async (event) => {
  const username = event?.username;
  if (typeof username !== "string" || !/^[\w.@+=,-]{1,56}$/.test(username)) {
    throw new Error("event.username must be 1-56 characters of letters, digits and . @ + = , - _");
  }
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: process.env.TENANT_ROLE_ARN,
      RoleSessionName: `session-${username}`,
      Tags: [{ Key: "username", Value: username }],
      DurationSeconds: 900,
    }),
  );
  const dynamodb = new DynamoDBClient({
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
  const now = Math.floor(Date.now() / 1000);
  const session = { username, sessionId: randomUUID(), createdAt: now, expiresAt: now + ttlSeconds };
  await dynamodb.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        username: { S: session.username },
        sessionId: { S: session.sessionId },
        createdAt: { N: String(session.createdAt) },
        expiresAt: { N: String(session.expiresAt) },
      },
      ConditionExpression: "attribute_not_exists(sessionId)",
    }),
  );
  return session;
};
