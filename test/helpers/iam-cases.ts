// Authorization cases in the contract of the IAM evaluation core (policies/lib/iam/, package
// ddb_guardrails.lib.iam.evaluation) and their translation for @cloud-copilot/iam-simulate, the
// independent evaluator the core is held to. Policies are drawn from the vocabulary the guardrails
// judge (DynamoDB and KMS actions, ARN forms, condition keys and operators, policy variables); requests
// are drawn from what a caller controls, with values taken from the policies so that conditions match
// as often as they miss. Dev-only: iam-simulate is AGPL and never reaches src/.
import { allowedContextKeysForRequest, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import fc from "fast-check";

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";
export const REGION = "eu-west-1";
export const ORG = "o-own1234";
export const OTHER_ORG = "o-other567";
const ddb = (account: string, path: string, region = REGION) => `arn:aws:dynamodb:${region}:${account}:${path}`;
export const TABLE = ddb(ACCOUNT, "table/sessions");
export const STREAM = `${TABLE}/stream/2026-01-01T00:00:00.000`;
export const INDEX = `${TABLE}/index/by-tenant`;
export const OTHER_TABLE = ddb(ACCOUNT, "table/audit");
export const FOREIGN_TABLE = ddb(OTHER_ACCOUNT, "table/sessions");
export const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const VPCE = "vpce-0a1b2c3d";
export const OTHER_VPCE = "vpce-9f8e7d6c";

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";
export type Context = Record<string, string | string[]>;
export interface Principal {
  arn?: string;
  account?: string;
  type: "AWS" | "Service" | "Federated" | "Anonymous";
  tags: Record<string, string>;
}
export interface Request {
  principal: Principal;
  action: string;
  resource: string;
  context: Context;
}
export type Statement = Record<string, unknown>;
export interface Document {
  Version: "2012-10-17";
  Statement: Statement[];
}
export interface Policies {
  identity: Document[];
  boundary?: Document[];
  resource: Document[];
  endpoint?: Document[];
  resource_account: string;
}
export interface Case {
  request: Request;
  policies: Policies;
}

// Actions the guardrails judge: item reads and writes, whole-table reads, administration and exfiltration.
export const DYNAMODB_ACTIONS = [
  "GetItem",
  "BatchGetItem",
  "Query",
  "Scan",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "PartiQLSelect",
  "PartiQLUpdate",
  "DeleteTable",
  "UpdateTable",
  "ExportTableToPointInTime",
  "UpdateContinuousBackups",
  "PutResourcePolicy",
  "DescribeTable",
];
const STREAM_ACTIONS = ["GetRecords", "GetShardIterator", "DescribeStream"];
const KMS_ACTIONS = ["Decrypt", "GenerateDataKey", "CreateGrant", "PutKeyPolicy", "ReEncryptFrom"];
const ACTION_PATTERNS = ["dynamodb:*", "dynamodb:Get*", "dynamodb:*Item", "dynamodb:Partiql*", "*"];
const KMS_PATTERNS = ["kms:*", "kms:Decrypt", "kms:GenerateDataKey*", "kms:*Grant", "kms:PutKeyPolicy"];

const RESOURCE_PATTERNS = [
  TABLE,
  ddb(ACCOUNT, "table/*"),
  `${TABLE}/index/*`,
  `${TABLE}/stream/*`,
  `${TABLE}*`,
  ddb(ACCOUNT, "table/sessions", "us-east-1"),
  ddb(OTHER_ACCOUNT, "table/*"),
  OTHER_TABLE,
  "arn:aws:dynamodb:*:*:table/sessions",
  "*",
];

interface Caller {
  principal: Principal;
  /** Keys the principal brings to every request, whatever it asks. */
  context: Context;
}

const user = (account: string, name: string, tags: Record<string, string>, org?: string): Caller => {
  const arn = `arn:aws:iam::${account}:user/${name}`;
  const context: Context = { "aws:PrincipalArn": arn, "aws:PrincipalAccount": account, "aws:username": name };
  if (org) context["aws:PrincipalOrgID"] = org;
  for (const [k, v] of Object.entries(tags)) context[`aws:PrincipalTag/${k}`] = v;
  return { principal: { arn, account, type: "AWS", tags }, context };
};

export const CALLERS: Record<string, Caller> = {
  alice: user(ACCOUNT, "alice", { tenant: "alice" }, ORG),
  bob: user(ACCOUNT, "bob", { tenant: "bob" }, ORG),
  untagged: user(ACCOUNT, "carol", {}, ORG),
  partner: user(OTHER_ACCOUNT, "mallory", { tenant: "alice" }, OTHER_ORG),
  outsider: user(OTHER_ACCOUNT, "eve", {}),
};
// No anonymous caller: DynamoDB and KMS accept only signed requests, so "Principal": "*" means any signed
// principal of any account (partner, outsider), never an unsigned one.

// Values of condition keys: each both in policies and in requests, so that conditions are met, missed and
// met vacuously.
const TENANTS = ["alice", "bob", "acme"];
const ATTRIBUTES = ["pk", "name", "isAdmin"];
const SELECTS = ["ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"];
const IPS = ["10.0.0.7", "192.0.2.10"];
const CIDRS = ["10.0.0.0/8", "192.0.2.0/24"];
const VIA = [`dynamodb.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`];

const one = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const some = <T>(xs: readonly T[]) => fc.subarray([...xs], { minLength: 1 });
const maybeList = (arb: fc.Arbitrary<string>) => fc.oneof(arb, fc.array(arb, { minLength: 1, maxLength: 2 }));

const VARIABLES = ["${aws:username}", "${aws:PrincipalTag/tenant}", "${aws:PrincipalTag/tenant, 'acme'}"];
const tenantValue = fc.oneof(
  { weight: 3, arbitrary: one(VARIABLES) },
  { weight: 2, arbitrary: one([...TENANTS, "*", "a*"]) },
);

const ifExists = (op: string) => fc.boolean().map((b) => (b ? `${op}IfExists` : op));
const setOp = (op: string) => one(["", "ForAllValues:", "ForAnyValue:"]).map((q) => q + op);

type Condition = Record<string, Record<string, string | string[]>>;
const condition = (op: fc.Arbitrary<string>, key: string, value: fc.Arbitrary<string | string[]>) =>
  fc.tuple(op, value).map(([o, v]): Condition => ({ [o]: { [key]: v } }));

const dynamodbCondition: fc.Arbitrary<Condition> = fc.oneof(
  condition(
    one(["ForAllValues:StringEquals", "ForAnyValue:StringLike", "StringEquals", "ForAllValues:StringLike"]),
    "dynamodb:LeadingKeys",
    maybeList(tenantValue),
  ),
  condition(setOp("StringEquals"), "dynamodb:Attributes", some(ATTRIBUTES)),
  condition(one(["ForAnyValue:StringEquals", "ForAllValues:StringNotEquals"]), "dynamodb:Attributes", one(ATTRIBUTES)),
  condition(
    one(["StringEquals", "StringNotEquals", "StringEqualsIfExists", "StringNotEqualsIfExists"]),
    "dynamodb:Select",
    one(SELECTS),
  ),
  condition(one(["Null"]), "dynamodb:LeadingKeys", one(["true", "false"])),
);

const globalCondition: fc.Arbitrary<Condition> = fc.oneof(
  condition(fc.oneof(ifExists("StringEquals"), ifExists("StringNotEquals")), "aws:SourceVpce", one([VPCE, OTHER_VPCE])),
  condition(
    fc.oneof(ifExists("StringEquals"), ifExists("StringNotEquals"), ifExists("StringLike")),
    "aws:PrincipalTag/tenant",
    one([...TENANTS, "*", "${aws:username}"]),
  ),
  condition(one(["Null"]), "aws:PrincipalTag/tenant", one(["true", "false"])),
  condition(
    fc.oneof(ifExists("StringEquals"), ifExists("StringNotEquals")),
    "aws:PrincipalAccount",
    one([ACCOUNT, OTHER_ACCOUNT]),
  ),
  condition(
    fc.oneof(ifExists("StringEquals"), ifExists("StringNotEquals")),
    "aws:PrincipalOrgID",
    one([ORG, OTHER_ORG]),
  ),
  condition(ifExists("Bool"), "aws:SecureTransport", one(["true", "false"])),
  condition(one(["IpAddress", "NotIpAddress", "IpAddressIfExists"]), "aws:SourceIp", one(CIDRS)),
  condition(
    one(["StringLike", "ArnLike", "ArnNotLike"]),
    "aws:PrincipalArn",
    one([`arn:aws:iam::${ACCOUNT}:*`, "arn:aws:iam::*", `arn:aws:iam::${ACCOUNT}:user/alice`]),
  ),
);

const kmsCondition: fc.Arbitrary<Condition> = fc.oneof(
  condition(
    fc.oneof(ifExists("StringEquals"), ifExists("StringNotEquals"), ifExists("StringLike")),
    "kms:ViaService",
    one([...VIA, "dynamodb.*.amazonaws.com"]),
  ),
  condition(
    fc.oneof(ifExists("StringEquals"), ifExists("StringNotEquals")),
    "kms:CallerAccount",
    one([ACCOUNT, OTHER_ACCOUNT]),
  ),
);

/** Conditions of a statement: one or two operators, merged as IAM merges them (AND). */
const conditions = (extra: fc.Arbitrary<Condition>) =>
  fc
    .array(
      fc.oneof(
        { weight: 2, arbitrary: dynamodbCondition },
        { weight: 2, arbitrary: globalCondition },
        { weight: 1, arbitrary: extra },
      ),
      { minLength: 1, maxLength: 2 },
    )
    .map((cs) => {
      const merged: Condition = {};
      for (const c of cs) for (const [op, kv] of Object.entries(c)) merged[op] = { ...merged[op], ...kv };
      return merged;
    });

const principalElement = fc.oneof(
  fc.constant("*" as unknown),
  one([
    { AWS: "*" },
    { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    { AWS: ACCOUNT },
    { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
    { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
    { AWS: [`arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`, `arn:aws:iam::${ACCOUNT}:user/bob`] },
  ] as unknown[]),
);

interface StatementOptions {
  kind: "dynamodb" | "kms";
  /** Resource policies name principals; endpoint policies of gateway endpoints must say "*". */
  principal: boolean | "*";
  effect?: "Allow" | "Deny";
}

function statement({ kind, principal, effect }: StatementOptions): fc.Arbitrary<Statement> {
  const actions =
    kind === "dynamodb"
      ? fc.oneof(one([...DYNAMODB_ACTIONS, ...STREAM_ACTIONS].map((a) => `dynamodb:${a}`)), one(ACTION_PATTERNS))
      : fc.oneof(one(KMS_ACTIONS.map((a) => `kms:${a}`)), one(KMS_PATTERNS));
  const resources =
    kind === "dynamodb" ? one(RESOURCE_PATTERNS) : one([KEY, "*", `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`]);
  return fc
    .record({
      Effect: effect ? fc.constant(effect) : fc.constantFrom("Allow", "Allow", "Allow", "Deny"),
      notAction: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      notResource: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      action: maybeList(actions),
      resource: maybeList(resources),
      condition: fc.option(conditions(kind === "kms" ? kmsCondition : globalCondition), { freq: 2 }),
      principal: principal === true ? fc.option(principalElement, { nil: undefined, freq: 3 }) : fc.constant(undefined),
    })
    .map((s) => {
      const out: Statement = { Effect: s.Effect };
      if (principal) out.Principal = s.principal ?? "*";
      out[s.notAction ? "NotAction" : "Action"] = s.action;
      out[s.notResource ? "NotResource" : "Resource"] = s.resource;
      if (s.condition) out.Condition = s.condition;
      return out;
    });
}

const documents = (options: StatementOptions, min: number, max: number) =>
  fc
    .array(statement(options), { minLength: min, maxLength: max })
    .map((Statement): Document => ({ Version: "2012-10-17", Statement }));

/** A decoy: a Deny whose target or condition the caller may or may not meet, beside a broad Allow. */
const decoy = (kind: "dynamodb" | "kms") => statement({ kind, principal: false, effect: "Deny" });

/** A boundary or endpoint policy as teams write them: broad, sometimes with a Deny beside it. */
const broad = (kind: "dynamodb" | "kms", principal: boolean) =>
  fc
    .tuple(
      one(kind === "dynamodb" ? ["dynamodb:*", "*", "dynamodb:Get*"] : ["kms:*", "*"]),
      one(kind === "dynamodb" ? ["*", ddb(ACCOUNT, "table/*")] : ["*"]),
      fc.array(decoy(kind), { maxLength: 1 }),
    )
    .map(
      ([Action, Resource, denies]): Document => ({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", ...(principal ? { Principal: "*" } : {}), Action, Resource },
          ...denies.map((d) => (principal ? { ...d, Principal: "*" } : d)),
        ],
      }),
    );

const policySet = (kind: "dynamodb" | "kms") =>
  fc.record({
    identity: fc.array(documents({ kind, principal: false }, 1, 3), { minLength: 0, maxLength: 2 }),
    decoys: fc.array(decoy(kind), { maxLength: 1 }),
    boundary: fc.option(
      fc.oneof(broad(kind, false), documents({ kind, principal: false }, 1, 2)).map((d) => [d]),
      {
        nil: undefined,
        freq: 3,
      },
    ),
    resource: fc.option(documents({ kind, principal: true }, 1, 3), { nil: undefined, freq: kind === "kms" ? 6 : 2 }),
    endpoint: fc.option(fc.oneof(broad(kind, true), documents({ kind, principal: "*" }, 1, 2)), {
      nil: undefined,
      freq: 3,
    }),
  });

const concreteResources: Record<"dynamodb" | "kms", string[]> = {
  dynamodb: [TABLE, INDEX, STREAM, OTHER_TABLE, FOREIGN_TABLE, ddb(ACCOUNT, "table/sessions", "us-east-1")],
  kms: [KEY],
};
const concreteActions = (kind: "dynamodb" | "kms") =>
  kind === "dynamodb"
    ? [...DYNAMODB_ACTIONS, ...STREAM_ACTIONS].map((a) => `dynamodb:${a}`)
    : KMS_ACTIONS.map((a) => `kms:${a}`);

/** A resource ARN of the request must be of a type the action applies to (iam-simulate refuses others). */
function resourceFits(action: string, resource: string): boolean {
  if (action.startsWith("kms:")) return resource.startsWith("arn:aws:kms:");
  const name = action.slice("dynamodb:".length);
  const isStream = resource.includes("/stream/");
  const isIndex = resource.includes("/index/");
  if (STREAM_ACTIONS.includes(name)) return isStream;
  if (isStream) return false;
  if (isIndex) return ["Query", "Scan", "PartiQLSelect"].includes(name);
  return true;
}

interface Draft {
  kind: "dynamodb" | "kms";
  caller: string;
  policies: Omit<Policies, "resource_account">;
  action: string;
  resource: string;
  /** Keys the caller sets or leaves out: service keys, transport, network path. */
  chosen: Context;
}

// What the caller sets, or leaves out, in a request: partition keys of any tenant (its own, another's, none),
// attributes, Select, transport and source address. A multivalued key is absent or has values: DynamoDB
// sends no empty set (an item request names its partition; one without a key, like Scan, has none).
const requestKeys = fc.record(
  {
    "dynamodb:LeadingKeys": fc.array(one([...TENANTS, "carol"]), { minLength: 1, maxLength: 2 }),
    "dynamodb:Attributes": fc.subarray(ATTRIBUTES, { minLength: 1 }),
    "dynamodb:Select": one(SELECTS),
    "dynamodb:FullTableScan": one(["true", "false"]),
    "aws:SecureTransport": one(["true", "false"]),
    "aws:SourceIp": one(IPS),
    "kms:ViaService": one(VIA),
  },
  { requiredKeys: [] },
);

const globs = new Map<string, RegExp>();
/** An IAM wildcard pattern as a regular expression, compiled once. */
const glob = (pattern: string, flags = "") => {
  const key = `${flags} ${pattern}`;
  if (!globs.has(key))
    globs.set(
      key,
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
        flags,
      ),
    );
  return globs.get(key)!;
};

/** (action, resource) pairs some Allow statement names: what an attacker asks for first. */
function allowTargets(policies: Omit<Policies, "resource_account">, kind: "dynamodb" | "kms"): [string, string][] {
  const pairs = new Map<string, [string, string]>();
  for (const doc of [...policies.identity, ...policies.resource])
    for (const s of doc.Statement) {
      if (s.Effect !== "Allow" || !s.Action || !s.Resource) continue;
      const actions = [s.Action].flat() as string[];
      const resources = [s.Resource].flat() as string[];
      for (const a of concreteActions(kind))
        for (const r of concreteResources[kind])
          if (actions.some((p) => glob(p, "i").test(a)) && resources.some((p) => glob(p).test(r)) && resourceFits(a, r))
            pairs.set(`${a} ${r}`, [a, r]);
    }
  return [...pairs.values()];
}

const draft: fc.Arbitrary<Draft> = fc
  .tuple(fc.constantFrom<"dynamodb" | "kms">("dynamodb", "dynamodb", "dynamodb", "kms"), one(Object.keys(CALLERS)))
  .chain(([kind, caller]) =>
    policySet(kind).chain((set) => {
      const identity = [...set.identity];
      if (set.decoys.length > 0) identity.push({ Version: "2012-10-17", Statement: set.decoys });
      const policies = {
        identity,
        ...(set.boundary ? { boundary: set.boundary } : {}),
        resource: set.resource ? [set.resource] : [],
        ...(set.endpoint && kind === "dynamodb" ? { endpoint: [set.endpoint] } : {}),
      };
      const actions = concreteActions(kind);
      const random = fc.tuple(one(actions), one(concreteResources[kind])).filter(([a, r]) => resourceFits(a, r));
      // Adversarial: most requests ask for an action and a resource that some Allow names.
      const targets = allowTargets(policies, kind);
      const pair: fc.Arbitrary<[string, string]> =
        targets.length > 0
          ? fc.oneof({ weight: 1, arbitrary: random }, { weight: 3, arbitrary: one(targets) })
          : random;
      return fc
        .tuple(pair, requestKeys)
        .map(([[action, resource], chosen]): Draft => ({ kind, caller, policies, action, resource, chosen }));
    }),
  );

const accountOf = (arn: string) => arn.split(":")[4];

const allowedKeys = new Map<string, Set<string>>();
/** The request's context as AWS would send it: the caller's keys and the chosen keys the action has. */
async function context(d: Draft, through: boolean): Promise<Context> {
  const [service, name] = d.action.split(":");
  const shape = `${d.action} ${d.resource.replace(/table\/[^/]+/, "table/t").replace(/:\d{12}:/, ":a:")}`;
  if (!allowedKeys.has(shape))
    allowedKeys.set(shape, new Set(await allowedContextKeysForRequest(service, name, d.resource, false, undefined)));
  const keys = allowedKeys.get(shape)!;
  const out: Context = { ...CALLERS[d.caller].context };
  for (const [key, value] of Object.entries(d.chosen)) {
    if (key.startsWith("aws:") || keys.has(key.toLowerCase())) out[key] = value;
  }
  if (d.kind === "kms" && CALLERS[d.caller].principal.account)
    out["kms:CallerAccount"] = CALLERS[d.caller].principal.account!;
  if (through) {
    // Through a gateway endpoint a request carries the endpoint's id and no public source address.
    out["aws:SourceVpce"] = VPCE;
    delete out["aws:SourceIp"];
  }
  return out;
}

/** Cases ready for both evaluators, in a fixed order for a seed. */
export async function generateCases(count: number, seed: number): Promise<Case[]> {
  const drafts = fc.sample(draft, { seed, numRuns: count });
  const cases: Case[] = [];
  for (const d of drafts) {
    const through = d.policies.endpoint !== undefined;
    cases.push({
      request: {
        principal: CALLERS[d.caller].principal,
        action: d.action,
        resource: d.resource,
        context: await context(d, through),
      },
      policies: { ...d.policies, resource_account: accountOf(d.resource) },
    });
  }
  return cases;
}

/** The case as iam-simulate takes it. */
export function simulation(c: Case): Simulation {
  const { principal } = c.request;
  const named = (docs: Document[] | undefined, prefix: string) =>
    docs?.map((policy, i) => ({ name: `${prefix}${i}`, policy }));
  return {
    request: {
      principal: principal.arn!,
      action: c.request.action,
      resource: { resource: c.request.resource, accountId: c.policies.resource_account },
      contextVariables: c.request.context,
    },
    identityPolicies: named(c.policies.identity, "identity") ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(c.policies.resource.length > 0 ? { resourcePolicy: c.policies.resource[0] } : {}),
    ...(c.policies.boundary ? { permissionBoundaryPolicies: named(c.policies.boundary, "boundary") } : {}),
    ...(c.policies.endpoint ? { vpcEndpointPolicies: named(c.policies.endpoint, "endpoint") } : {}),
  };
}

const DECISIONS = { Allowed: "Allow", ExplicitlyDenied: "ExplicitDeny", ImplicitlyDenied: "ImplicitDeny" } as const;

/** iam-simulate's decision, or its error when it refuses the case as IAM would refuse the policy. */
export async function simulate(c: Case): Promise<Decision | { error: string }> {
  const result = await runSimulation(simulation(c), {});
  if (result.resultType === "error") return { error: JSON.stringify(result.errors) };
  return DECISIONS[result.overallResult];
}
