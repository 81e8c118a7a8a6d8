// The attacks of issue #21, one real-plan fixture per class (test/fixtures/iam-<class>-*), and the two
// false findings it names (test/fixtures/iam-fp-*): what the compiled bundle reports per address. Each
// insecure row names the rule that must flag it and the work that brings the behaviour: the evaluation
// core (classes 1, 2, 3, 8, 9 and both false findings) or the reach questions (classes 4, 5, 6, 7, 10).
// Every row is held: an insecure one flagged by its rule with a witness of access, a compliant one clean.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../../src/engine";
import { fixtureReports } from "../helpers/fixture-reports";
import { ROOT } from "../helpers/paths";

type Work = "core" | "reach";
interface Row {
  fixture: string;
  address: string;
  /** The rule that flags an insecure resource; none for a compliant one. */
  rule?: string;
  work: Work;
  /** For a compliant resource whose fixture has no insecure row: the rule that must pass it. */
  judgedBy?: string;
  /** A compliant table that other guardrails judge as well: only its class's rule must pass it. */
  onlyJudge?: boolean;
}
const insecure = (fixture: string, address: string, rule: string, work: Work): Row => ({
  fixture,
  address,
  rule,
  work,
});
const compliant = (fixture: string, address: string, work: Work, judgedBy?: string): Row => ({
  fixture,
  address,
  work,
  judgedBy,
});

/** Compliant for the rule of its class only (a table the other guardrails judge on their own terms). */
const compliantFor = (fixture: string, address: string, work: Work, rule: string): Row => ({
  ...compliant(fixture, address, work, rule),
  onlyJudge: true,
});

const [C1, C2, C3, C4] = ["iam-01-decoy-denies", "iam-02-vacuous-bindings", "iam-03-key-policies", "iam-04-streams"];
const [C5, C6, C7] = ["iam-05-assumable-principals", "iam-06-escalation", "iam-07-exfiltration"];
const [C8, C9, C10] = ["iam-08-endpoint-exfiltration", "iam-09-variable-defaults", "iam-10-accounts"];
const [FP1, FP2] = ["iam-fp-unchoosable-variables", "iam-fp-key-via-service"];

const ROWS: Row[] = [
  // 1. Decoy denies.
  insecure(C1, "aws_iam_policy.invalid_scan_deny_on_other_table", "DDB-FGAC-002", "core"),
  insecure(C1, "aws_iam_policy.invalid_scan_deny_unmet_condition", "DDB-FGAC-002", "core"),
  insecure(C1, "aws_iam_policy.invalid_protected_deny_on_other_table", "DDB-FGAC-004", "core"),
  insecure(C1, "aws_iam_policy.invalid_protected_deny_unmet_condition", "DDB-FGAC-004", "core"),
  compliant(C1, "aws_iam_policy.valid_denies_on_the_granted_table", "core"),
  // 2. Vacuous bindings.
  insecure(C2, "aws_iam_policy.invalid_star_on_own_tables", "DDB-FGAC-003", "core"),
  insecure(C2, "aws_iam_role_policy.invalid_admin_under_binding", "DDB-FGAC-006", "core"),
  compliant(C2, "aws_iam_policy.valid_item_actions_bound", "core"),
  // 3. Key policies.
  insecure(C3, "aws_kms_key.invalid_principal_arn_like_everyone", "DDB-ENC-006", "core"),
  insecure(C3, "aws_kms_key.invalid_caller_account_not_equals", "DDB-ENC-006", "core"),
  insecure(C3, "aws_kms_key.invalid_partner_kms_star", "DDB-ENC-006", "core"),
  insecure(C3, "aws_kms_replica_key.invalid_replica_open", "DDB-ENC-006", "core"),
  insecure(C3, "aws_kms_grant.invalid_replica_grant_to_partner", "DDB-ENC-006", "core"),
  compliant(C3, "aws_kms_key.valid_account_and_dynamodb", "core"),
  // 4. Streams are a whole-table read.
  insecure(C4, "aws_iam_group_policy.invalid_group_reads_every_stream", "DDB-FGAC-009", "reach"),
  insecure(C4, "aws_dynamodb_resource_policy.invalid_stream_to_partner", "DDB-FGAC-010", "reach"),
  compliant(C4, "aws_dynamodb_resource_policy.valid_stream_to_own_archiver", "reach"),
  // 5. Who can become the principal.
  insecure(C5, "aws_iam_role.invalid_any_account_tag_session", "DDB-FGAC-007", "reach"),
  insecure(C5, "aws_iam_role.invalid_star_literal_partition", "DDB-FGAC-007", "reach"),
  insecure(C5, "aws_iam_role.invalid_cognito_any_pool", "DDB-FGAC-007", "reach"),
  compliant(C5, "aws_iam_role.valid_own_service_no_tag_session", "reach"),
  compliant(C5, "aws_iam_role.valid_cognito_own_pool", "reach"),
  // 6. Privilege escalation without DynamoDB actions.
  insecure(C6, "aws_iam_policy.invalid_not_action_dynamodb", "DDB-FGAC-008", "reach"),
  insecure(C6, "aws_iam_role_policy.invalid_attach_role_policy", "DDB-FGAC-008", "reach"),
  insecure(C6, "aws_iam_policy.invalid_create_policy_version", "DDB-FGAC-008", "reach"),
  insecure(C6, "aws_iam_policy.invalid_pass_any_role", "DDB-FGAC-008", "reach"),
  insecure(C6, "aws_iam_user_policy.invalid_tag_self", "DDB-FGAC-008", "reach"),
  compliant(C6, "aws_iam_policy.valid_iam_read_only", "reach"),
  compliant(C6, "aws_iam_user_policy.valid_tag_binding_without_tagging", "reach"),
  // 7. Data leaving through another account.
  insecure(C7, "aws_dynamodb_resource_policy.invalid_partner_export", "DDB-FGAC-010", "reach"),
  insecure(C7, "aws_dynamodb_resource_policy.invalid_partner_policy_and_backups", "DDB-FGAC-010", "reach"),
  insecure(C7, "aws_dynamodb_table_export.invalid_export_partner_readable", "DDB-ENC-007", "reach"),
  insecure(C7, "aws_backup_vault_policy.invalid_vault_open", "DDB-FGAC-010", "reach"),
  insecure(C7, "aws_backup_plan.invalid_copy_to_partner", "DDB-FGAC-010", "reach"),
  insecure(C7, "aws_dynamodb_kinesis_streaming_destination.invalid_stream_partner_readable", "DDB-ENC-008", "reach"),
  compliant(C7, "aws_dynamodb_resource_policy.valid_own_reporting_role", "reach"),
  // 8. Endpoint policies that exfiltrate.
  insecure(C8, "aws_vpc_endpoint.invalid_items_on_any_table", "DDB-EP-002", "core"),
  compliant(C8, "aws_vpc_endpoint.valid_items_on_own_tables", "core"),
  // 9. Policy-variable defaults.
  insecure(C9, "aws_iam_policy.invalid_tag_with_default", "DDB-FGAC-001", "core"),
  insecure(C9, "aws_iam_policy.invalid_like_default_star", "DDB-FGAC-001", "core"),
  compliant(C9, "aws_iam_policy.valid_tag_without_default", "core"),
  // 10. Accounts.
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-001", "reach"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "reach", "DDB-AUD-001"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-004", "reach"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "reach", "DDB-AUD-004"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-005", "reach"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "reach", "DDB-AUD-005"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-006", "reach"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "reach", "DDB-AUD-006"),
  insecure(C10, "aws_dynamodb_table.invalid_in_partner_account", "DDB-AUD-007", "reach"),
  compliantFor(C10, "aws_dynamodb_table.valid_in_this_account", "reach", "DDB-AUD-007"),
  // The false findings: a binding the caller cannot choose; a key kept in the account and DynamoDB.
  compliant(FP1, "aws_dynamodb_resource_policy.valid_partition_per_account", "core", "DDB-FGAC-001"),
  compliant(FP1, "aws_iam_policy.valid_partition_per_org", "core", "DDB-FGAC-001"),
  compliant(FP2, "aws_kms_key.valid_via_dynamodb_in_account", "core", "DDB-ENC-006"),
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
