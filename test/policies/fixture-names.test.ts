// The naming convention of the fixtures, held on every real plan in test/fixtures as the CLI reads it
// (the compiled bundle, with the folder's Terraform source where there is one): a resource or module
// named invalid_* is flagged, one named valid_* is not. The rule tests say which rule flags what; this
// says that no fixture's names lie. Where a fixture is about some rules only, or a name describes
// something else than its own findings, SCOPES says so, with the reason.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { buildSourceModel, GuardrailsError, loadBundle, readPlan, validatePlan, type Finding } from "../../src/engine";
import { FIXTURES, fixturePlan } from "../helpers/paths";

interface Scope {
  readonly why: string;
  /** Only findings of these rules count (a rule id, or its prefix such as "DDB-REC"); every rule when absent. */
  readonly rules?: readonly string[];
  /** The rule parameters a team would set for the plan. */
  readonly parameters?: Record<string, unknown>;
  /** invalid_* resources whose finding lands on another resource: its address. */
  readonly flaggedOn?: Readonly<Record<string, string>>;
  /** The names describe another plan: no resource of this one may be flagged, whatever its name. */
  readonly allClean?: true;
  /** The plan is refused with this error (part of it) instead of judged. */
  readonly refused?: string;
  /** invalid_* resources named for what the plan alone shows (unprovable): judged without the source. */
  readonly planAlone?: readonly string[];
}

const THIS_ACCOUNT = { account_ids: ["111122223333"] };
const CHANGE_RULES = ["DDB-REC-003", "DDB-REC-004", "DDB-ENC-009", "DDB-AUD-009"];

const SCOPES: Readonly<Record<string, Scope>> = {
  "audit-config-delivered": { why: "AWS Config delivery of change alerts only", rules: ["DDB-AUD-005"] },
  "audit-config-via-eventbridge": { why: "AWS Config delivery of change alerts only", rules: ["DDB-AUD-005"] },
  "audit-eventbridge-any-call": { why: "EventBridge rules only", rules: ["DDB-AUD-005", "DDB-AUD-006"] },
  "audit-eventbridge-filters": { why: "EventBridge rules only", rules: ["DDB-AUD-005", "DDB-AUD-006"] },
  "awscc-tables-source": {
    why: "table settings across providers; the tables have no trail, alarms or alerts",
    rules: ["DDB-ENC", "DDB-REC"],
  },
  "change-regressions": {
    why: "what a change does to the tables and keys of an applied stack, which has no trail, alarms or alerts",
    rules: ["DDB-ENC", "DDB-REC", "DDB-AUD-009"],
    // DDB-ENC-009 flags the weakened key, naming the tables that use it
    flaggedOn: {
      "aws_dynamodb_table.invalid_disabled_key_table": "aws_kms_key.invalid_disabled",
      "aws_dynamodb_table.invalid_rotation_key_table": "aws_kms_key.invalid_rotation_turned_off",
    },
  },
  "change-unchanged": {
    why: "the applied stack itself, planned again: its names say what change-regressions does to it",
    rules: CHANGE_RULES,
    allClean: true,
  },
  "endpoint-missing": {
    why: "a jsonencode() policy over a subnet ARN is unprovable from the plan alone; its source grants no table",
    planAlone: ["aws_iam_role_policy.invalid_unresolvable_data_policy"],
  },
  "endpoint-policy-routes": {
    why: "a jsonencode() endpoint policy over a VPC ARN is unprovable from the plan alone; its source grants no table",
    planAlone: ["aws_vpc_endpoint.invalid_unresolvable"],
  },
  "fgac-protected-attributes": {
    why: "a jsonencode() Deny of DeleteTable is unprovable from the plan alone; its source writes no attribute",
    planAlone: ["aws_iam_policy.invalid_unresolvable_writer"],
  },
  "fgac-resource-policy": {
    why: "a jsonencode() resource policy is unprovable from the plan alone; its source grants DescribeTable to one account",
    planAlone: ["aws_dynamodb_resource_policy.invalid_unresolvable_policy"],
  },
  "fgac-service-roles-insecure": {
    why: "each service role is named for what its policy grants: the finding lands on the policy",
    flaggedOn: {
      "aws_iam_role.invalid_apigateway_admin": "aws_iam_role_policy.invalid_apigateway_admin",
      "aws_iam_role.invalid_appsync_scan": "aws_iam_role_policy.invalid_appsync_scan",
      "aws_iam_role.invalid_glue_scan": "aws_iam_role_policy.invalid_glue_scan",
      "aws_iam_role.invalid_lambda_any_tenant": "aws_iam_policy.invalid_lambda_items",
    },
  },
  "iam-04-streams": { why: "which account is this one decides the stream readers", parameters: THIS_ACCOUNT },
  "iam-07-exfiltration": { why: "which account is this one decides where data leaves to", parameters: THIS_ACCOUNT },
  "iam-10-accounts": {
    why: "which account the audit resources cover; its tables are bare on purpose",
    rules: ["DDB-AUD"],
    parameters: THIS_ACCOUNT,
  },
  "reach-exfiltration": { why: "which account is this one decides where data leaves to", parameters: THIS_ACCOUNT },
  "waiver-tags": {
    why: "waivers of table rules; the tables have no trail, alarms or alerts",
    rules: ["DDB-ENC", "DDB-REC"],
  },
  "waiver-tags-malformed": { why: "a malformed waiver tag fails closed", refused: "is not a waiver" },
  "waiver-tags-unknown-rule": { why: "a waiver tag of no rule fails closed", refused: "names no rule" },
};

// Resources that only configure another one, named after it in the fixtures: their findings land on
// the resource they configure (the bucket, the table), which carries the same name.
const CONFIGURES: Readonly<Record<string, string>> = {
  aws_s3_bucket_server_side_encryption_configuration: "aws_s3_bucket",
  aws_s3_bucket_object_lock_configuration: "aws_s3_bucket",
  aws_dynamodb_contributor_insights: "aws_dynamodb_table",
};

/** The address up to its last segment named valid_* or invalid_* (a module or the resource), and that name's kind. */
function subject(address: string): { address: string; kind: "valid" | "invalid" } | undefined {
  let found: { address: string; kind: "valid" | "invalid" } | undefined;
  for (const m of address.matchAll(/(?:^|\.)((in)?valid_[\w-]*)(\[[^\]]*\])?/g)) {
    found = { address: address.slice(0, m.index + m[0].length), kind: m[2] ? "invalid" : "valid" };
  }
  return found;
}

const within = (address: string, subjectAddress: string) =>
  address === subjectAddress || address.startsWith(`${subjectAddress}.`) || address.startsWith(`${subjectAddress}[`);

/** Where findings on a subject may land: itself, the resource it configures, or where its scope says. */
function landings(subjectAddress: string, scope: Scope | undefined): string[] {
  const m = /^(.*?)([\w-]+)\.((?:in)?valid_[\w-]*)$/.exec(subjectAddress);
  const configured = m && CONFIGURES[m[2]];
  const elsewhere = scope?.flaggedOn?.[subjectAddress];
  return [subjectAddress, ...(configured ? [`${m[1]}${configured}.${m[3]}`] : []), ...(elsewhere ? [elsewhere] : [])];
}

const bundle = loadBundle();
const fixtures = readdirSync(FIXTURES).filter((name) => existsSync(fixturePlan(name)));
const hasSource = (name: string) => readdirSync(join(FIXTURES, name)).some((f) => f.endsWith(".tf"));

async function judge(name: string, scope: Scope | undefined, withSource = true): Promise<readonly Finding[]> {
  const plan = readPlan(fixturePlan(name));
  const source = withSource && hasSource(name) ? await buildSourceModel(join(FIXTURES, name), plan) : undefined;
  const found = validatePlan(plan, { bundle, source, parameters: scope?.parameters }).violations;
  return found.filter((f) => !scope?.rules || scope.rules.some((r) => f.rule === r || f.rule.startsWith(`${r}-`)));
}

test("every scope names a fixture", () => {
  expect(Object.keys(SCOPES).filter((name) => !fixtures.includes(name))).toEqual([]);
});

test.each(fixtures)(
  "%s: invalid_* resources are flagged, valid_* ones are not",
  async (name) => {
    const scope = SCOPES[name];
    if (scope?.refused) {
      await expect(judge(name, scope)).rejects.toThrow(GuardrailsError);
      await expect(judge(name, scope)).rejects.toThrow(scope.refused);
      return;
    }
    const found = await judge(name, scope);
    const alone = scope?.planAlone ? await judge(name, scope, false) : [];
    const plan = readPlan(fixturePlan(name)) as { resource_changes?: Array<{ address: string; mode: string }> };
    const subjects = new Map<string, "valid" | "invalid">();
    for (const change of plan.resource_changes ?? []) {
      const s = change.mode === "managed" ? subject(change.address) : undefined;
      if (s) subjects.set(s.address, s.kind);
    }
    const flagged = (s: string) =>
      (scope?.planAlone?.includes(s) ? alone : found).filter((f) =>
        landings(s, scope).some((at) => within(f.address, at)),
      );
    const wrong = [...subjects]
      .filter(([s, kind]) => (kind === "valid" || scope?.allClean ? flagged(s).length > 0 : flagged(s).length === 0))
      .map(([s, kind]) => `${s} (${kind}): ${[...new Set(flagged(s).map((f) => f.rule))].join(", ") || "no finding"}`);
    expect(wrong).toEqual([]);
  },
  120_000,
);
