// The attacks of issue #21, one real-plan fixture per class (test/fixtures/iam-<class>-*), and the two
// false findings it names (test/fixtures/iam-fp-*): what the compiled bundle reports per address. Each
// insecure row names the rule that must flag it. Every row is held: an insecure one flagged by its rule with a witness of access, a compliant one clean.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../../src/engine";
import { fixtureReports } from "../helpers/fixture-reports";
import { ROOT } from "../helpers/paths";

interface Row {
  fixture: string;
  address: string;
  /** The rule that flags an insecure resource; none for a compliant one. */
  rule?: string;
  /** For a compliant resource whose fixture has no insecure row: the rule that must pass it. */
  judgedBy?: string;
  /** A compliant table that other guardrails judge as well: only its class's rule must pass it. */
  onlyJudge?: boolean;
}
const insecure = (fixture: string, address: string, rule: string): Row => ({
  fixture,
  address,
  rule,
});
const compliant = (fixture: string, address: string, judgedBy?: string): Row => ({
  fixture,
  address,
  judgedBy,
});

/** Compliant for the rule of its class only (a table the other guardrails judge on their own terms). */
const compliantFor = (fixture: string, address: string, rule: string): Row => ({
  ...compliant(fixture, address, rule),
  onlyJudge: true,
});

const [C1, C2, C3, C4] = ["iam-01-decoy-denies", "iam-02-vacuous-bindings", "iam-03-key-policies", "iam-04-streams"];
const [C5, C6, C7] = ["iam-05-assumable-principals", "iam-06-escalation", "iam-07-exfiltration"];
const [C8, C9, C10] = ["iam-08-endpoint-exfiltration", "iam-09-variable-defaults", "iam-10-accounts"];
const [FP1, FP2] = ["iam-fp-unchoosable-variables", "iam-fp-key-via-service"];

const ROWS: Row[] = [
  // 1. Decoy denies.
  insecure(C1, "aws_iam_policy.invalid_scan_deny_on_other_table", "DDB-FGAC-002"),
  insecure(C1, "aws_iam_policy.invalid_scan_deny_unmet_condition", "DDB-FGAC-002"),
  insecure(C1, "aws_iam_policy.invalid_protected_deny_on_other_table", "DDB-FGAC-004"),
  insecure(C1, "aws_iam_policy.invalid_protected_deny_unmet_condition", "DDB-FGAC-004"),
  compliant(C1, "aws_iam_policy.valid_denies_on_the_granted_table"),
  // 2. Vacuous bindings.
  insecure(C2, "aws_iam_policy.invalid_star_on_own_tables", "DDB-FGAC-003"),
  insecure(C2, "aws_iam_role_policy.invalid_admin_under_binding", "DDB-FGAC-006"),
  compliant(C2, "aws_iam_policy.valid_item_actions_bound"),
  // 3. Key policies.
  insecure(C3, "aws_kms_key.invalid_principal_arn_like_everyone", "DDB-ENC-006"),
  insecure(C3, "aws_kms_key.invalid_caller_account_not_equals", "DDB-ENC-006"),
  insecure(C3, "aws_kms_key.invalid_partner_kms_star", "DDB-ENC-006"),
  insecure(C3, "aws_kms_replica_key.invalid_replica_open", "DDB-ENC-006"),
  insecure(C3, "aws_kms_grant.invalid_replica_grant_to_partner", "DDB-ENC-006"),
  compliant(C3, "aws_kms_key.valid_account_and_dynamodb"),
  // 4. Streams are a whole-table read.
  insecure(C4, "aws_iam_group_policy.invalid_group_reads_every_stream", "DDB-FGAC-009"),
  insecure(C4, "aws_dynamodb_resource_policy.invalid_stream_to_partner", "DDB-FGAC-010"),
  compliant(C4, "aws_dynamodb_resource_policy.valid_stream_to_own_archiver"),
  // 5. Who can become the principal.
  insecure(C5, "aws_iam_role.invalid_any_account_tag_session", "DDB-FGAC-007"),
  insecure(C5, "aws_iam_role.invalid_star_literal_partition", "DDB-FGAC-007"),
  insecure(C5, "aws_iam_role.invalid_cognito_any_pool", "DDB-FGAC-007"),
  compliant(C5, "aws_iam_role.valid_own_service_no_tag_session"),
  compliant(C5, "aws_iam_role.valid_cognito_own_pool"),
  // 6. Privilege escalation without DynamoDB actions.
  insecure(C6, "aws_iam_policy.invalid_not_action_dynamodb", "DDB-FGAC-008"),
  insecure(C6, "aws_iam_role_policy.invalid_attach_role_policy", "DDB-FGAC-008"),
  insecure(C6, "aws_iam_policy.invalid_create_policy_version", "DDB-FGAC-008"),
  insecure(C6, "aws_iam_policy.invalid_pass_any_role", "DDB-FGAC-008"),
  insecure(C6, "aws_iam_user_policy.invalid_tag_self", "DDB-FGAC-008"),
  compliant(C6, "aws_iam_policy.valid_iam_read_only"),
  compliant(C6, "aws_iam_user_policy.valid_tag_binding_without_tagging"),
  // 7. Data leaving through another account.
  insecure(C7, "aws_dynamodb_resource_policy.invalid_partner_export", "DDB-FGAC-010"),
  insecure(C7, "aws_dynamodb_resource_policy.invalid_partner_policy_and_backups", "DDB-FGAC-010"),
  insecure(C7, "aws_dynamodb_table_export.invalid_export_partner_readable", "DDB-ENC-007"),
  insecure(C7, "aws_backup_vault_policy.invalid_vault_open", "DDB-FGAC-010"),
  insecure(C7, "aws_backup_plan.invalid_copy_to_partner", "DDB-FGAC-010"),
  insecure(C7, "aws_dynamodb_kinesis_streaming_destination.invalid_stream_partner_readable", "DDB-ENC-008"),
  compliant(C7, "aws_dynamodb_resource_policy.valid_own_reporting_role"),
  // 8. Endpoint policies that exfiltrate.
  insecure(C8, "aws_vpc_endpoint.invalid_items_on_any_table", "DDB-EP-002"),
  compliant(C8, "aws_vpc_endpoint.valid_items_on_own_tables"),
  // 9. Policy-variable defaults.
  insecure(C9, "aws_iam_policy.invalid_tag_with_default", "DDB-FGAC-001"),
  insecure(C9, "aws_iam_policy.invalid_like_default_star", "DDB-FGAC-001"),
  compliant(C9, "aws_iam_policy.valid_tag_without_default"),
  // 10. Accounts.
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-001"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "DDB-AUD-001"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-004"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "DDB-AUD-004"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-005"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "DDB-AUD-005"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-006"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "DDB-AUD-006"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-007"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "DDB-AUD-007"),
  // The false findings: a binding the caller cannot choose; a key kept in the account and DynamoDB.
  compliant(FP1, "aws_dynamodb_resource_policy.valid_partition_per_account", "DDB-FGAC-001"),
  compliant(FP1, "aws_iam_policy.valid_partition_per_org", "DDB-FGAC-001"),
  compliant(FP2, "aws_kms_key.valid_via_dynamodb_in_account", "DDB-ENC-006"),
];

// Offline plans cannot carry allowed_account_ids on the default provider (it would ask STS), so the
// fixtures whose rows depend on which account is this one say it as a team would: the account_ids
// parameter.
const DEPLOYS_INTO_111122223333 = new Set([C3, C4, C7, C10]);
const { violations } = fixtureReports(undefined, (fixture) =>
  DEPLOYS_INTO_111122223333.has(fixture) ? { account_ids: ["111122223333"] } : undefined,
);
const at = (row: Row): Finding[] => violations(row.fixture).filter((f) => f.address === row.address);

test("the table covers every class fixture, and each row names a resource of its plan", () => {
  // The class fixtures: iam-<NN>-<name> and iam-fp-<name> (other iam-* fixtures belong to the rules' own tests).
  const onDisk = readdirSync(join(ROOT, "test", "fixtures")).filter((d) => /^iam-(\d\d|fp)-/.test(d));
  expect([...new Set(ROWS.map((r) => r.fixture))].sort()).toEqual(onDisk.sort());
  for (const row of ROWS) {
    expect(row.address).toMatch(row.rule ? /(^|\.)invalid_/ : /(^|\.)valid_/);
    const plan = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", row.fixture, "plan.json"), "utf8"));
    const addresses = (plan.resource_changes as { address: string }[]).map((r) => r.address);
    expect([row.fixture, addresses]).toEqual([row.fixture, expect.arrayContaining([row.address])]);
  }
});

const insecureRows = ROWS.filter((r) => r.rule);
const compliantRows = ROWS.filter((r) => !r.rule);
test.each(insecureRows.map((r) => [r.address, r] as const))("%s is flagged, with a witness of access", (_, row) => {
  const finding = at(row).find((f) => f.rule === row.rule) as (Finding & { witness?: unknown }) | undefined;
  expect(finding?.rule).toBe(row.rule);
  // Audit findings (class 10) name a gap in recording, not a request that gets through.
  if (row.rule?.startsWith("DDB-AUD-")) return;
  expect(finding?.witness).toMatchObject({
    principal: expect.anything(),
    action: expect.stringMatching(/^[a-z0-9-]+:[A-Za-z0-9*]+$/),
    resource: expect.any(String),
    context: expect.any(Object),
  });
});
test.each(compliantRows.map((r) => [r.address, r] as const))("%s has no finding", (_, row) => {
  const rules = at(row).map((f) => f.rule);
  expect(rules.filter((r) => !row.onlyJudge || r.startsWith(row.judgedBy!))).toEqual([]);
});
