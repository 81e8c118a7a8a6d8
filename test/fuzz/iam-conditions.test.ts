// Random policies with conditions, judged by the shipped bundle (the rules as the CLI runs them) and by
// @cloud-copilot/iam-simulate: whatever the gate passes must not let an attacker through. For identity
// policies: no GetItem, index Query or BatchGetItem on another tenant's partition, no Scan, no PartiQL
// SELECT without a key. For table resource policies, a caller of another account also gets none of the
// management actions. For endpoint policies, a caller of another account cannot use every action on a table of its own account
// through the endpoint. (iam-matching.test.ts judges action matching; this file judges whole verdicts.)
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import fc from "fast-check";
import { ENTRYPOINT, instantiate, loadBundle } from "../../src/engine/policy/bundle";
import { policyInput } from "../../src/engine/input/policy-input";
import type { Plan } from "../../src/engine/plan/types";
import { SEED } from "./mutate";

const CASES = Number(process.env.DDB_FUZZ_IAM_CONDITION_CASES ?? 240);
const ACCOUNT = "111122223333";
const PARTNER = "444455556666";
const OUTSIDE = "999999999999";
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`;
const LOOT = `arn:aws:dynamodb:eu-west-1:${OUTSIDE}:table/loot`;
// Partitions of other callers that a sloppy pattern over "alice" matches ("*alice*", "alice?", "alice*").
const OTHER_TENANTS = ["malice", "alice2", "bob"];
const MANAGEMENT = [
  "DeleteTable",
  "PutResourcePolicy",
  "DeleteResourcePolicy",
  "UpdateTable",
  "ExportTableToPointInTime",
  "CreateBackup",
];

type Kind = "identity" | "resource" | "endpoint";
type Statement = Record<string, unknown>;
interface Case {
  kind: Kind;
  holder: string; // resource type holding the policy
  statements: Statement[];
}

const ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
  "dynamodb:PartiQLSelect",
  "dynamodb:Scan",
  "dynamodb:DeleteTable",
  "dynamodb:PutResourcePolicy",
  "dynamodb:Get*",
  "dynamodb:PartiQL*",
  "dynamodb:*",
];
const RESOURCES = [TABLE, `${TABLE}/index/*`, "*", "arn:aws:dynamodb:*:*:*", "arn:aws:dynamodb:*:*:table/*"];
const LEADING_KEY_OPERATORS = [
  "ForAllValues:StringEquals",
  "ForAllValues:StringLike",
  "ForAnyValue:StringEquals",
  "ForAnyValue:StringLike",
];
const LEADING_KEY_VALUES = [
  "${aws:username}",
  "*${aws:username}*",
  "${aws:PrincipalTag/tenant}*",
  "${aws:username}?",
  "*",
  "alice",
  "partner-a",
  "t#${aws:username}",
];
/** [operator, key, value]: conditions that narrow the caller, and look-alikes that do not. */
const CALLER_CONDITIONS: [string, string, string | string[]][] = [
  ["StringEquals", "aws:PrincipalAccount", ACCOUNT],
  ["StringEqualsIfExists", "aws:PrincipalOrgID", "o-abc123"],
  ["StringEquals", "aws:PrincipalOrgID", "o-abc123"],
  ["StringLike", "aws:PrincipalArn", "*"],
  ["ArnLike", "aws:PrincipalArn", `arn:aws:iam::${ACCOUNT}:*`],
  ["ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*"],
  ["StringNotEquals", "aws:PrincipalAccount", PARTNER],
  ["Null", "aws:PrincipalOrgID", "false"],
  ["ForAnyValue:StringLike", "aws:PrincipalAccount", ["*"]],
  ["Bool", "aws:SecureTransport", "true"],
  ["IpAddress", "aws:SourceIp", ["0.0.0.0/0", "::/0"]],
  ["StringEquals", "aws:PrincipalArn", "${aws:PrincipalArn}"],
  ["StringEquals", "aws:ResourceAccount", ACCOUNT],
  ["StringEqualsIfExists", "aws:ResourceAccount", ACCOUNT],
  ["Bool", "dynamodb:FullTableScan", "false"],
  ["BoolIfExists", "dynamodb:FullTableScan", "false"],
];
const DENIES: Statement[][] = [
  [],
  [
    {
      Effect: "Deny",
      Action: "dynamodb:PartiQLSelect",
      Resource: "*",
      Condition: { Bool: { "dynamodb:FullTableScan": "true" } },
    },
  ],
  [{ Effect: "Deny", Action: "dynamodb:Scan", Resource: "*" }],
  [{ Effect: "Deny", Action: ["dynamodb:Scan", "dynamodb:PartiQLSelect"], Resource: "*" }],
  [
    {
      Effect: "Deny",
      Action: "dynamodb:PartiQLSelect",
      Resource: "*",
      Condition: { Bool: { "dynamodb:FullTableScan": "true" }, StringEquals: { "aws:SourceVpce": "vpce-1" } },
    },
  ],
];
const PRINCIPALS: Record<Kind, unknown[]> = {
  identity: [undefined],
  resource: [
    "*",
    { AWS: "*" },
    { AWS: `arn:aws:iam::${PARTNER}:role/partner-a` },
    { AWS: `arn:aws:iam::${PARTNER}:root` },
    { AWS: [`arn:aws:iam::${PARTNER}:role/partner-a`, `arn:aws:iam::${PARTNER}:role/partner-b`] },
  ],
  endpoint: ["*", { AWS: "*" }],
};
const HOLDERS: Record<Kind, string[]> = {
  identity: ["aws_iam_policy", "aws_iam_user_policy", "aws_iam_role_policy", "aws_iam_group_policy"],
  resource: ["aws_dynamodb_resource_policy"],
  endpoint: ["aws_vpc_endpoint"],
};

/** Condition entries merged into one IAM Condition object (operator -> key -> values). */
function condition(
  entries: [string, string, string | string[]][],
): Record<string, Record<string, string | string[]>> | undefined {
  const merged: Record<string, Record<string, string | string[]>> = {};
  for (const [operator, key, value] of entries) merged[operator] = { ...merged[operator], [key]: value };
  return entries.length ? merged : undefined;
}

const leadingKeys = fc
  .tuple(fc.constantFrom(...LEADING_KEY_OPERATORS), fc.subarray(LEADING_KEY_VALUES, { minLength: 1, maxLength: 2 }))
  .map(([operator, values]): [string, string, string[]] => [operator, "dynamodb:LeadingKeys", values]);
const conditions = fc
  .tuple(fc.option(leadingKeys, { freq: 3 }), fc.subarray(CALLER_CONDITIONS, { maxLength: 2 }))
  .map(([keys, others]) => (keys ? [keys, ...others] : others));

function policyCase(kind: Kind): fc.Arbitrary<Case> {
  return fc
    .record({
      holder: fc.constantFrom(...HOLDERS[kind]),
      principal: fc.constantFrom(...PRINCIPALS[kind]),
      actions: fc.subarray(ACTIONS, { minLength: 1, maxLength: 3 }),
      resources: fc.subarray(RESOURCES, { minLength: 1, maxLength: 2 }),
      conditions,
      denies: fc.constantFrom(...DENIES),
    })
    .map(({ holder, principal, actions, resources, conditions: entries, denies }) => {
      const who = (s: Statement) => (principal === undefined ? s : { ...s, Principal: principal });
      const allow = who({
        Effect: "Allow",
        Action: actions,
        Resource: resources,
        ...(entries.length ? { Condition: condition(entries) } : {}),
      });
      return { kind, holder, statements: [allow, ...denies.map(who)] };
    });
}

/** A plan holding each case's policy in a resource of its holder type, as the rules read it. */
function plan(cases: Case[]): Plan {
  const after = (c: Case): Record<string, unknown> => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: c.statements });
    if (c.kind === "resource") return { resource_arn: TABLE, policy };
    if (c.kind === "endpoint")
      return {
        vpc_id: "vpc-1",
        service_name: "com.amazonaws.eu-west-1.dynamodb",
        vpc_endpoint_type: "Gateway",
        policy,
      };
    return { policy };
  };
  const resource_changes = cases.map((c, i) => ({
    address: `${c.holder}.case${i}`,
    mode: "managed",
    type: c.holder,
    name: `case${i}`,
    change: { actions: ["create"], after: after(c), after_unknown: {} },
  }));
  return { format_version: "1.2", resource_changes } as unknown as Plan;
}

/** The addresses the shipped rules flag: any fgac finding, or DDB-EP-002 for endpoints. */
function flagged(cases: Case[]): Set<string> {
  const policy = instantiate(loadBundle(), {}, { maxMemoryMiB: 512 });
  const output = policy.evaluate(policyInput(plan(cases)), ENTRYPOINT) as [
    { result: { findings: { rule: string; address: string }[] } },
  ];
  return new Set(
    output[0].result.findings
      .filter((f) => f.rule.startsWith("DDB-FGAC-") || f.rule.startsWith("DDB-EP-002"))
      .map((f) => f.address),
  );
}

interface Request {
  what: string;
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const MALLORY = `arn:aws:iam::${OUTSIDE}:user/mallory`;
const PARTNER_B = `arn:aws:iam::${PARTNER}:role/partner-b`;
// A role's session has no aws:username (AWS sets it for IAM users only).
const ALICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/alice`;
const callerContext = (name: string, user = true) => ({
  ...(user ? { "aws:username": name } : {}),
  "aws:PrincipalTag/tenant": name,
  "aws:SecureTransport": "true",
  "aws:SourceIp": "203.0.113.5",
});

/** What an attacker tries against a policy the gate passed; every one must be denied. */
function attacks(c: Case): Request[] {
  const reads = (principal: string, name: string, keys: string[]): Request[] => {
    const context = (who: string) => callerContext(who, !principal.includes(":role/"));
    return [
      ...keys.map((key) => ({
        what: `GetItem on partition ${key} by ${name}`,
        principal,
        action: "dynamodb:GetItem",
        resource: TABLE,
        context: { ...context(name), "dynamodb:LeadingKeys": [key] },
      })),
      ...keys.map((key) => ({
        what: `Query of an index on partition ${key} by ${name}`,
        principal,
        action: "dynamodb:Query",
        resource: `${TABLE}/index/byStatus`,
        context: { ...context(name), "dynamodb:LeadingKeys": [key] },
      })),
      {
        what: `BatchGetItem on partitions alice and ${keys[0]} by ${name}`,
        principal,
        action: "dynamodb:BatchGetItem",
        resource: TABLE,
        context: { ...context(name), "dynamodb:LeadingKeys": ["alice", keys[0]] },
      },
      { what: `Scan by ${name}`, principal, action: "dynamodb:Scan", resource: TABLE, context: context(name) },
      {
        what: `PartiQLSelect without a key by ${name}`,
        principal,
        action: "dynamodb:PartiQLSelect",
        resource: TABLE,
        context: { ...context(name), "dynamodb:FullTableScan": "true" },
      },
    ];
  };
  // A role policy is held by a role; every other identity policy here by a user (groups hold users).
  if (c.kind === "identity")
    return reads(c.holder === "aws_iam_role_policy" ? ALICE_ROLE : ALICE, "alice", OTHER_TENANTS);
  if (c.kind === "resource") {
    return [
      ...reads(MALLORY, "mallory", ["mallory", ...OTHER_TENANTS]),
      ...reads(PARTNER_B, "partner-b", ["partner-a"]).filter((r) => r.what.startsWith("GetItem")),
      ...MANAGEMENT.map((name) => ({
        what: `${name} by mallory`,
        principal: MALLORY,
        action: `dynamodb:${name}`,
        resource: TABLE,
        context: callerContext("mallory"),
      })),
    ];
  }
  return [];
}

const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }] };

function simulation(c: Case, request: Request): Simulation {
  const policy = { Version: "2012-10-17", Statement: c.statements };
  const own = (request.principal === ALICE || request.principal === ALICE_ROLE) && c.kind === "identity";
  const base: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resource.split(":")[4] },
      // AWS puts the caller's account and ARN in the context of every signed request, and the
      // table's account in DynamoDB's; iam-simulate derives none of them, so they are given.
      contextVariables: {
        "aws:PrincipalAccount": request.principal.split(":")[4],
        "aws:PrincipalArn": request.principal,
        "aws:ResourceAccount": request.resource.split(":")[4],
        ...request.context,
      },
    },
    // A caller of another account controls its own identity policies.
    identityPolicies: [{ name: "own", policy: own ? policy : ALLOW_ALL }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (c.kind === "resource") return { ...base, resourcePolicy: policy };
  // {"AWS": "*"} means "*" in an endpoint policy; iam-simulate accepts only the latter spelling.
  const anyone = { ...policy, Statement: c.statements.map((s) => ({ ...s, Principal: "*" })) };
  if (c.kind === "endpoint") return { ...base, vpcEndpointPolicies: [{ name: "endpoint", policy: anyone }] };
  return base;
}

const tried = { cases: 0, passed: 0, simulations: 0, notSimulated: 0 };
afterAll(() => console.log(`IAM conditions (seed ${SEED}): ${JSON.stringify(tried)}`));

async function allowed(c: Case, request: Request): Promise<boolean | undefined> {
  const result = await runSimulation(simulation(c, request), {});
  if (result.resultType !== "single") {
    tried.notSimulated++;
    return undefined;
  }
  tried.simulations++;
  return result.overallResult === "Allowed";
}

test("what the gate passes, iam-simulate denies to an attacker", async () => {
  const kinds = fc.oneof(
    { weight: 3, arbitrary: policyCase("identity") },
    { weight: 3, arbitrary: policyCase("resource") },
    { weight: 2, arbitrary: policyCase("endpoint") },
  );
  const cases = fc.sample(fc.array(kinds, { minLength: CASES, maxLength: CASES }), { seed: SEED + 2, numRuns: 1 })[0];
  const escapes: string[] = [];
  for (let start = 0; start < cases.length; start += 20) {
    const chunk = cases.slice(start, start + 20);
    const denied = flagged(chunk);
    for (const [i, c] of chunk.entries()) {
      tried.cases++;
      if (denied.has(`${c.holder}.case${i}`)) continue;
      tried.passed++;
      if (c.kind === "endpoint") {
        // Full access through the endpoint: every action, for a caller of another account on its own table.
        const probes = ["GetItem", "PutItem", "Scan", ...MANAGEMENT].map((name) => ({
          what: name,
          principal: MALLORY,
          action: `dynamodb:${name}`,
          resource: LOOT,
          context: { "aws:SourceVpce": "vpce-1", "aws:SourceVpc": "vpc-1" },
        }));
        const verdicts = await Promise.all(probes.map((p) => allowed(c, p)));
        if (verdicts.every((v) => v === true))
          escapes.push(
            `${c.holder} passed, but another account's caller has full access through it: ${JSON.stringify(c.statements)}`,
          );
        continue;
      }
      for (const request of attacks(c)) {
        if ((await allowed(c, request)) === true)
          escapes.push(`${c.holder} passed, but ${request.what} is allowed: ${JSON.stringify(c.statements)}`);
      }
    }
  }
  expect(tried.passed).toBeGreaterThan(CASES / 10);
  expect(tried.notSimulated).toBe(0);
  expect(escapes).toEqual([]);
}, 600_000);
