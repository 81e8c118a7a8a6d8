// Requests whose decision AWS's documentation states outright: the attacks of issue #21 and the rules of
// policy evaluation they turn on. The differential test holds both evaluators to them; where iam-simulate
// departs from the documentation, the case is listed in DOCUMENTED_DISAGREEMENTS and the core follows the
// documentation.
import {
  ACCOUNT,
  CALLERS,
  type Case,
  type Context,
  type Decision,
  type Document,
  FOREIGN_TABLE,
  KEY,
  OTHER_ACCOUNT,
  OTHER_TABLE,
  type Policies,
  type Statement,
  STREAM,
  TABLE,
  VPCE,
} from "./iam-cases";

export interface KnownAnswer {
  name: string;
  /** The sentence of AWS's documentation that decides the case, and where it is. */
  source: string;
  expected: Decision;
  case: Case;
}

const doc = (...Statement: Statement[]): Document => ({ Version: "2012-10-17", Statement });
const request = (caller: string, action: string, resource: string, chosen: Context = {}) => ({
  principal: CALLERS[caller].principal,
  action,
  resource,
  context: { ...CALLERS[caller].context, "aws:SecureTransport": "true", ...chosen },
});
const policies = (p: Partial<Policies> & { resource_account?: string }): Policies => ({
  identity: [],
  resource: [],
  resource_account: ACCOUNT,
  ...p,
});

const EVALUATION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";
const CROSS_ACCOUNT =
  "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html";
const MULTIVALUED =
  "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
const OPERATORS =
  "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
const VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";
const BOUNDARIES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html";
const KEY_POLICIES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html";
const ENDPOINTS = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html";

const tenantBinding = (variable: string) => ({
  Effect: "Allow",
  Action: "dynamodb:*",
  Resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/*`,
  Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [variable] } },
});

export const KNOWN_ANSWERS: KnownAnswer[] = [
  {
    name: "class 2: a LeadingKeys binding is vacuous for DeleteTable, which has no leading key",
    source: `${MULTIVALUED}: ForAllValues also returns true if there are no context keys in the request.`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:DeleteTable", TABLE),
      policies: policies({ identity: [doc(tenantBinding("${aws:username}"))] }),
    },
  },
  {
    name: "class 2: the same binding refuses another tenant's partition",
    source: `${MULTIVALUED}: ForAllValues returns true if every context key value in the request matches at least one value in the policy.`,
    expected: "ImplicitDeny",
    case: {
      request: request("alice", "dynamodb:GetItem", TABLE, { "dynamodb:LeadingKeys": ["bob"] }),
      policies: policies({ identity: [doc(tenantBinding("${aws:username}"))] }),
    },
  },
  {
    name: "ForAnyValue on a key the request does not have is false",
    source: `${MULTIVALUED}: ForAnyValue returns false if there are no context keys in the request.`,
    expected: "ImplicitDeny",
    case: {
      request: request("alice", "dynamodb:DeleteTable", TABLE),
      policies: policies({
        identity: [
          doc({
            Effect: "Allow",
            Action: "dynamodb:*",
            Resource: TABLE,
            Condition: { "ForAnyValue:StringLike": { "dynamodb:LeadingKeys": ["*"] } },
          }),
        ],
      }),
    },
  },
  {
    name: "class 1: a Deny on Scan of another table leaves Scan of this one allowed",
    source: `${EVALUATION}: an explicit deny overrides allows only where the Deny statement matches the request (its Resource does not).`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:Scan", TABLE, { "dynamodb:Select": "ALL_ATTRIBUTES" }),
      policies: policies({
        identity: [
          doc(
            { Effect: "Allow", Action: "dynamodb:*", Resource: TABLE },
            { Effect: "Deny", Action: ["dynamodb:Scan", "dynamodb:PartiQLSelect"], Resource: OTHER_TABLE },
          ),
        ],
      }),
    },
  },
  {
    name: "class 1: a Deny with a condition the caller never meets denies nothing",
    source: `${EVALUATION}: a statement applies only when its conditions are met.`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:UpdateItem", TABLE, {
        "dynamodb:LeadingKeys": ["alice"],
        "dynamodb:Attributes": ["isAdmin"],
      }),
      policies: policies({
        identity: [
          doc(
            { Effect: "Allow", Action: "dynamodb:*Item", Resource: TABLE },
            {
              Effect: "Deny",
              Action: "dynamodb:UpdateItem",
              Resource: TABLE,
              Condition: {
                "ForAnyValue:StringEquals": { "dynamodb:Attributes": ["isAdmin"] },
                StringEquals: { "aws:PrincipalTag/team": "contractors" },
              },
            },
          ),
        ],
      }),
    },
  },
  {
    name: "class 9: a caller without the tag gets the variable's default partition",
    source: `${VARIABLES}: a variable with a default value (\${key, 'default'}) resolves to the default when the key is not in the request.`,
    expected: "Allow",
    case: {
      request: request("untagged", "dynamodb:GetItem", TABLE, { "dynamodb:LeadingKeys": ["acme"] }),
      policies: policies({ identity: [doc(tenantBinding("${aws:PrincipalTag/tenant, 'acme'}"))] }),
    },
  },
  {
    name: "a negated operator on a key the request does not have is true",
    source: `${OPERATORS}: when the key is not in the request the values do not match, so a negated operator (StringNotEquals) is true.`,
    expected: "ExplicitDeny",
    case: {
      request: request("alice", "dynamodb:GetItem", TABLE, { "dynamodb:LeadingKeys": ["alice"] }),
      policies: policies({
        identity: [
          doc(
            { Effect: "Allow", Action: "dynamodb:GetItem", Resource: TABLE },
            {
              Effect: "Deny",
              Action: "dynamodb:*",
              Resource: "*",
              Condition: { StringNotEquals: { "aws:SourceVpce": VPCE } },
            },
          ),
        ],
      }),
    },
  },
  {
    name: "Null true matches a key the request does not have",
    source: `${OPERATORS}: Null with true matches when the key is absent from the request.`,
    expected: "ExplicitDeny",
    case: {
      request: request("alice", "dynamodb:Scan", TABLE),
      policies: policies({
        identity: [
          doc(
            { Effect: "Allow", Action: "dynamodb:*", Resource: TABLE },
            {
              Effect: "Deny",
              Action: "dynamodb:*",
              Resource: TABLE,
              Condition: { Null: { "dynamodb:LeadingKeys": "true" } },
            },
          ),
        ],
      }),
    },
  },
  {
    name: "cross-account: an identity Allow without the table's resource policy is not enough",
    source: `${CROSS_ACCOUNT}: across accounts, the requester's identity-based policy and the resource-based policy must both allow the request.`,
    expected: "ImplicitDeny",
    case: {
      request: request("alice", "dynamodb:GetItem", FOREIGN_TABLE),
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" })],
        resource_account: OTHER_ACCOUNT,
      }),
    },
  },
  {
    name: "class 7: another account granted ExportTableToPointInTime in the table's resource policy can export",
    source: `${CROSS_ACCOUNT}: both sides allow: the partner's own policy and the table's resource policy.`,
    expected: "Allow",
    case: {
      request: request("partner", "dynamodb:ExportTableToPointInTime", TABLE),
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" })],
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
            Action: "dynamodb:ExportTableToPointInTime",
            Resource: TABLE,
          }),
        ],
      }),
    },
  },
  {
    name: "same account: a resource policy naming the user allows without an identity policy",
    source: `${EVALUATION}: within an account, a resource-based policy that names the principal allows the request without an identity-based policy.`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:GetItem", TABLE),
      policies: policies({
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
            Action: "dynamodb:GetItem",
            Resource: TABLE,
          }),
        ],
      }),
    },
  },
  {
    name: "same account: a resource policy naming the account delegates to the account's IAM policies",
    source: `${CROSS_ACCOUNT}: an account principal in a resource policy delegates access to the account; its administrators grant it to identities with identity-based policies.`,
    expected: "ImplicitDeny",
    case: {
      request: request("alice", "dynamodb:GetItem", TABLE),
      policies: policies({
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "dynamodb:GetItem",
            Resource: TABLE,
          }),
        ],
      }),
    },
  },
  {
    name: "same account: a boundary does not cap what a resource policy grants to every principal, an IAM user included",
    source: `${BOUNDARIES}: "Within an account, an implicit deny in a permissions boundary does not limit the permissions granted to an IAM user by a resource-based policy."`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:Scan", TABLE),
      policies: policies({
        boundary: [doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: "*" })],
        resource: [doc({ Effect: "Allow", Principal: "*", Action: "dynamodb:Scan", Resource: TABLE })],
      }),
    },
  },
  {
    name: "same account: a boundary does not cap what a resource policy grants to the user it names",
    source: `${BOUNDARIES}: within an account, an implicit deny in a permissions boundary does not limit what a resource-based policy grants to the IAM user it names.`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:Scan", TABLE),
      policies: policies({
        boundary: [doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: "*" })],
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
            Action: "dynamodb:Scan",
            Resource: TABLE,
          }),
        ],
      }),
    },
  },
  {
    name: "a permissions boundary that does not allow the action caps an identity Allow",
    source: `${BOUNDARIES}: "An entity's permissions boundary allows it to perform only the actions that are allowed by both its identity-based policies and its permissions boundaries."`,
    expected: "ImplicitDeny",
    case: {
      request: request("alice", "dynamodb:Scan", TABLE),
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" })],
        boundary: [doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: "*" })],
      }),
    },
  },
  {
    name: "class 8: an endpoint policy allowing item writes on * lets a workload write into another account's table",
    source: `${ENDPOINTS} and ${CROSS_ACCOUNT}: the endpoint policy, the caller's policy and the target's resource policy each allow.`,
    expected: "Allow",
    case: {
      request: {
        ...request("alice", "dynamodb:PutItem", FOREIGN_TABLE),
        context: { ...request("alice", "dynamodb:PutItem", FOREIGN_TABLE).context, "aws:SourceVpce": VPCE },
      },
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "dynamodb:PutItem", Resource: "*" })],
        endpoint: [
          doc({ Effect: "Allow", Principal: "*", Action: ["dynamodb:GetItem", "dynamodb:PutItem"], Resource: "*" }),
        ],
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "dynamodb:PutItem",
            Resource: FOREIGN_TABLE,
          }),
        ],
        resource_account: OTHER_ACCOUNT,
      }),
    },
  },
  {
    name: "an endpoint policy that does not allow the action refuses it whatever the identity allows",
    source: `${ENDPOINTS}: an endpoint policy does not override or replace identity-based or resource-based policies; the request must be allowed by all of them.`,
    expected: "ImplicitDeny",
    case: {
      request: {
        ...request("alice", "dynamodb:Scan", TABLE),
        context: { ...request("alice", "dynamodb:Scan", TABLE).context, "aws:SourceVpce": VPCE },
      },
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" })],
        endpoint: [doc({ Effect: "Allow", Principal: "*", Action: "dynamodb:GetItem", Resource: "*" })],
      }),
    },
  },
  {
    name: "class 4: GetRecords on * reads every table's stream",
    source: `${EVALUATION}: Resource "*" matches the stream ARN.`,
    expected: "Allow",
    case: {
      request: request("alice", "dynamodb:GetRecords", STREAM),
      policies: policies({
        identity: [
          doc({ Effect: "Allow", Action: ["dynamodb:GetRecords", "dynamodb:GetShardIterator"], Resource: "*" }),
        ],
      }),
    },
  },
  {
    name: "class 3: an identity Allow on a key counts only when the key policy allows the account",
    source: `${KEY_POLICIES}: "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key."`,
    expected: "ImplicitDeny",
    case: {
      request: request("alice", "kms:Decrypt", KEY),
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "kms:*", Resource: "*" })],
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
            Action: "kms:*",
            Resource: "*",
          }),
        ],
      }),
    },
  },
  {
    name: "class 3: StringNotEquals kms:CallerAccount <own account> admits every other account",
    source: `${CROSS_ACCOUNT}: the partner's policy allows and the key policy allows it.`,
    expected: "Allow",
    case: {
      request: {
        ...request("partner", "kms:Decrypt", KEY),
        context: { ...request("partner", "kms:Decrypt", KEY).context, "kms:CallerAccount": OTHER_ACCOUNT },
      },
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" })],
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringNotEquals: { "kms:CallerAccount": ACCOUNT } },
          }),
        ],
      }),
    },
  },
  {
    name: "false-finding case: kms:ViaService and kms:CallerAccount keep a key inside this account and DynamoDB",
    source: `${KEY_POLICIES}: a statement applies only when its conditions are met; another account's call does not meet kms:CallerAccount.`,
    expected: "ImplicitDeny",
    case: {
      request: {
        ...request("partner", "kms:Decrypt", KEY),
        context: {
          ...request("partner", "kms:Decrypt", KEY).context,
          "kms:CallerAccount": OTHER_ACCOUNT,
          "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com",
        },
      },
      policies: policies({
        identity: [doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" })],
        resource: [
          doc({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: {
              StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" },
            },
          }),
        ],
      }),
    },
  },
];
