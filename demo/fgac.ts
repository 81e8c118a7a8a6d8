// The emulator stores IAM and endpoint policies but evaluates none of their conditions, so the
// FGAC behaviour is proven with a real IAM policy evaluator on the exact applied policy JSON.
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "./inspect";

export interface FgacCase {
  readonly description: string;
  readonly action: string;
  readonly partitionKey?: string;
  readonly attributes?: string[];
  readonly viaEndpoint: boolean;
  readonly expected: "Allowed" | "Denied";
}

export interface FgacDecision extends FgacCase {
  /** iam-simulate's overall result: Allowed, ExplicitlyDenied or ImplicitlyDenied. */
  readonly decision: string;
  readonly decisive: string;
}

/** The behaviour Snowy's FGAC policy must have, for user alice (issue: security behaviour, not only configuration). */
export function fgacCases(item: { hashKey: string; rangeKey?: string; expiry: string }): FgacCase[] {
  const own = [item.hashKey, ...(item.rangeKey ? [item.rangeKey] : []), item.expiry];
  return [
    {
      description: "alice GetItem her own item",
      action: "dynamodb:GetItem",
      partitionKey: "alice",
      viaEndpoint: true,
      expected: "Allowed",
    },
    {
      description: "alice PutItem her own item",
      action: "dynamodb:PutItem",
      partitionKey: "alice",
      attributes: own,
      viaEndpoint: true,
      expected: "Allowed",
    },
    {
      description: "alice GetItem bob's item",
      action: "dynamodb:GetItem",
      partitionKey: "bob",
      viaEndpoint: true,
      expected: "Denied",
    },
    { description: "alice Scan the table", action: "dynamodb:Scan", viaEndpoint: true, expected: "Denied" },
    {
      description: "alice PutItem setting isAdmin",
      action: "dynamodb:PutItem",
      partitionKey: "alice",
      attributes: [...own, "isAdmin"],
      viaEndpoint: true,
      expected: "Denied",
    },
    {
      description: "alice GetItem, not via the VPC endpoint",
      action: "dynamodb:GetItem",
      partitionKey: "alice",
      viaEndpoint: false,
      expected: "Denied",
    },
  ];
}

export interface FgacSubject {
  readonly policy: PolicyDocument;
  readonly endpointPolicy?: PolicyDocument;
  readonly endpointId: string;
  readonly vpcId?: string;
  readonly tableArn: string;
  /** The role a principal-tag policy is attached to (names the simulated session). */
  readonly roleName?: string;
}

/**
 * Who "alice" is for this policy, from the variable its LeadingKeys condition binds:
 * `${aws:username}` -> IAM user alice; `${aws:PrincipalTag/K}` -> a session of the attached role tagged K=alice;
 * any other key (e.g. a web-identity id) -> that key set to alice.
 */
export function aliceFor(
  policy: PolicyDocument,
  account: string,
  roleName = "tenant",
): { principal: string; context: Record<string, string>; label: string } {
  const variable =
    /"dynamodb:LeadingKeys":\s*\[?\s*"\$\{([^}]+)\}"/.exec(JSON.stringify(policy))?.[1] ?? "aws:username";
  if (variable === "aws:username") {
    return {
      principal: `arn:aws:iam::${account}:user/alice`,
      context: { "aws:username": "alice", "aws:PrincipalType": "User" },
      label: "IAM user alice",
    };
  }
  if (variable.startsWith("aws:PrincipalTag/")) {
    return {
      principal: `arn:aws:sts::${account}:assumed-role/${roleName}/session-alice`,
      context: { [variable]: "alice", "aws:PrincipalType": "AssumedRole" },
      label: `a ${roleName} session tagged ${variable.slice("aws:PrincipalTag/".length)}=alice`,
    };
  }
  return {
    principal: `arn:aws:iam::${account}:user/alice`,
    context: { [variable]: "alice" },
    label: `${variable}=alice`,
  };
}

export async function simulateFgac(
  subject: FgacSubject,
  cases: FgacCase[],
): Promise<{ who: string; decisions: FgacDecision[] }> {
  const [, , , region, account] = subject.tableArn.split(":");
  const alice = aliceFor(subject.policy, account, subject.roleName);
  const decisions: FgacDecision[] = [];
  for (const c of cases) {
    const context: Record<string, string | string[]> = {
      ...alice.context,
      "aws:PrincipalArn": alice.principal,
      "aws:PrincipalAccount": account,
      "aws:RequestedRegion": region,
      "aws:SecureTransport": "true",
      "aws:CurrentTime": new Date().toISOString(),
    };
    if (c.partitionKey) context["dynamodb:LeadingKeys"] = [c.partitionKey];
    if (c.attributes) context["dynamodb:Attributes"] = c.attributes;
    if (c.viaEndpoint) {
      context["aws:SourceVpce"] = subject.endpointId;
      if (subject.vpcId) context["aws:SourceVpc"] = subject.vpcId;
    }
    const simulation: Simulation = {
      request: {
        principal: alice.principal,
        action: c.action,
        resource: { resource: subject.tableArn, accountId: account },
        contextVariables: context,
      },
      identityPolicies: [{ name: "fgac", policy: subject.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // A request through the gateway endpoint is also subject to the endpoint's policy.
      vpcEndpointPolicies:
        c.viaEndpoint && subject.endpointPolicy
          ? [{ name: subject.endpointId, policy: evaluatorEndpointPolicy(subject.endpointPolicy) }]
          : [],
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === "error")
      throw new Error(`iam-simulate rejected the request "${c.description}": ${JSON.stringify(result.errors)}`);
    if (result.resultType !== "single")
      throw new Error(`iam-simulate: unexpected ${result.resultType} result for "${c.description}"`);
    decisions.push({ ...c, decision: result.overallResult, decisive: decisiveStatements(result.result.analysis) });
  }
  return { who: alice.label, decisions };
}

/**
 * iam-simulate accepts only `"Principal": "*"` in endpoint policies; IAM treats `{"AWS": "*"}` there the
 * same way (every principal). Only that spelling is changed; statements, actions and conditions are not.
 */
export function evaluatorEndpointPolicy(policy: PolicyDocument): PolicyDocument {
  const all = (p: unknown) => typeof p === "object" && p !== null && JSON.stringify(p) === JSON.stringify({ AWS: "*" });
  const stmts = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return { ...policy, Statement: stmts.map((s) => (all(s.Principal) ? { ...s, Principal: "*" } : s)) };
}

interface Explained {
  explain?: { identifier?: string };
}

/** Which statements decided, by Sid (or index), for the table's last column. */
function decisiveStatements(analysis: unknown): string {
  const a = analysis as Record<string, { denyStatements?: Explained[]; allowStatements?: Explained[] } | undefined>;
  const ids = (xs: Explained[] | undefined) => (xs ?? []).map((s) => s.explain?.identifier).filter(Boolean);
  const deny = [...ids(a.identityAnalysis?.denyStatements), ...ids(a.vpcEndpointAnalysis?.denyStatements)];
  if (deny.length) return `deny ${deny.join(", ")}`;
  const allow = ids(a.identityAnalysis?.allowStatements);
  return allow.length ? `allow ${allow.join(", ")}` : "no statement allows it";
}

export const isAllowed = (d: FgacDecision) => d.decision === "Allowed";
