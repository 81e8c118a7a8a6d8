// The attacks of issue #21, one real-plan fixture per class (test/fixtures/iam-<class>-*), and the two
// false findings it names (test/fixtures/iam-fp-*): what the compiled bundle reports per address. Each
// insecure row names the rule that must flag it and who brings the behaviour: the evaluation core
// (classes 1, 2, 3, 8, 9 and both false findings) or the reach questions (classes 4, 5, 6, 7). A row
// marked `today` is already decided so by the guardrails on this branch and is held now; every row is held
// (with its witness) once its owner's work is on the branch: the core by its Rego package
// (ddb_guardrails.lib.iam.evaluation), the reach questions by the access map in the report.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Finding } from "../../src/engine";
import { fixtureReports } from "../helpers/fixture-reports";
import { ROOT } from "../helpers/paths";

type Owner = "iam-core" | "iam-reach";
interface Insecure {
  fixture: string;
  address: string;
  rule: string;
  owner: Owner;
  /** Flagged with this rule by the guardrails before the core (the witness comes with the core). */
  today?: true;
}
interface Compliant {
  fixture: string;
  address: string;
  owner: Owner;
  /** Passes already before the core. */
  today?: true;
}

const INSECURE: Insecure[] = [
  // 1. Decoy denies.
  {
    fixture: "iam-01-decoy-denies",
    address: "aws_iam_policy.invalid_scan_deny_on_other_table",
    rule: "DDB-FGAC-002",
    owner: "iam-core",
  },
  {
    fixture: "iam-01-decoy-denies",
    address: "aws_iam_policy.invalid_scan_deny_unmet_condition",
    rule: "DDB-FGAC-002",
    owner: "iam-core",
    today: true,
  },
  {
    fixture: "iam-01-decoy-denies",
    address: "aws_iam_policy.invalid_protected_deny_on_other_table",
    rule: "DDB-FGAC-004",
    owner: "iam-core",
    today: true,
  },
  {
    fixture: "iam-01-decoy-denies",
    address: "aws_iam_policy.invalid_protected_deny_unmet_condition",
    rule: "DDB-FGAC-004",
    owner: "iam-core",
  },
  // 2. Vacuous bindings.
  {
    fixture: "iam-02-vacuous-bindings",
    address: "aws_iam_policy.invalid_star_on_own_tables",
    rule: "DDB-FGAC-003",
    owner: "iam-core",
  },
  {
    fixture: "iam-02-vacuous-bindings",
    address: "aws_iam_role_policy.invalid_admin_under_binding",
    rule: "DDB-FGAC-006",
    owner: "iam-core",
    today: true,
  },
  // 3. Key policies.
  {
    fixture: "iam-03-key-policies",
    address: "aws_kms_key.invalid_principal_arn_like_everyone",
    rule: "DDB-ENC-006",
    owner: "iam-core",
    today: true,
  },
  {
    fixture: "iam-03-key-policies",
    address: "aws_kms_key.invalid_caller_account_not_equals",
    rule: "DDB-ENC-006",
    owner: "iam-core",
    today: true,
  },
  {
    fixture: "iam-03-key-policies",
    address: "aws_kms_key.invalid_partner_kms_star",
    rule: "DDB-ENC-006",
    owner: "iam-core",
  },
  {
    fixture: "iam-03-key-policies",
    address: "aws_kms_replica_key.invalid_replica_open",
    rule: "DDB-ENC-006",
    owner: "iam-core",
  },
  {
    fixture: "iam-03-key-policies",
    address: "aws_kms_grant.invalid_replica_grant_to_partner",
    rule: "DDB-ENC-006",
    owner: "iam-core",
  },
  // 4. Streams.
  {
    fixture: "iam-04-streams",
    address: "aws_iam_group_policy.invalid_group_reads_every_stream",
    rule: "DDB-FGAC-002",
    owner: "iam-reach",
  },
  {
    fixture: "iam-04-streams",
    address: "aws_dynamodb_resource_policy.invalid_stream_to_partner",
    rule: "DDB-FGAC-005",
    owner: "iam-reach",
  },
  // 5. Who can become the principal.
  {
    fixture: "iam-05-assumable-principals",
    address: "aws_iam_role.invalid_any_account_tag_session",
    rule: "DDB-FGAC-001",
    owner: "iam-reach",
  },
  {
    fixture: "iam-05-assumable-principals",
    address: "aws_iam_role.invalid_star_literal_partition",
    rule: "DDB-FGAC-001",
    owner: "iam-reach",
  },
  {
    fixture: "iam-05-assumable-principals",
    address: "aws_iam_role.invalid_cognito_any_pool",
    rule: "DDB-FGAC-001",
    owner: "iam-reach",
  },
  // 6. Privilege escalation without DynamoDB actions.
  {
    fixture: "iam-06-escalation",
    address: "aws_iam_policy.invalid_not_action_dynamodb",
    rule: "DDB-FGAC-003",
    owner: "iam-reach",
  },
  {
    fixture: "iam-06-escalation",
    address: "aws_iam_role_policy.invalid_attach_role_policy",
    rule: "DDB-FGAC-003",
    owner: "iam-reach",
  },
  {
    fixture: "iam-06-escalation",
    address: "aws_iam_policy.invalid_create_policy_version",
    rule: "DDB-FGAC-003",
    owner: "iam-reach",
  },
  {
    fixture: "iam-06-escalation",
    address: "aws_iam_policy.invalid_pass_any_role",
    rule: "DDB-FGAC-003",
    owner: "iam-reach",
  },
  {
    fixture: "iam-06-escalation",
    address: "aws_iam_user_policy.invalid_tag_self",
    rule: "DDB-FGAC-001",
    owner: "iam-reach",
  },
  // 7. Data leaving through another account.
  {
    fixture: "iam-07-exfiltration",
    address: "aws_dynamodb_resource_policy.invalid_partner_export",
    rule: "DDB-FGAC-005",
    owner: "iam-reach",
  },
  {
    fixture: "iam-07-exfiltration",
    address: "aws_dynamodb_resource_policy.invalid_partner_policy_and_backups",
    rule: "DDB-FGAC-005",
    owner: "iam-reach",
  },
  {
    fixture: "iam-07-exfiltration",
    address: "aws_dynamodb_table_export.invalid_export_partner_readable",
    rule: "DDB-ENC-007",
    owner: "iam-reach",
  },
  {
    fixture: "iam-07-exfiltration",
    address: "aws_backup_vault_policy.invalid_vault_open",
    rule: "DDB-FGAC-005",
    owner: "iam-reach",
  },
  {
    fixture: "iam-07-exfiltration",
    address: "aws_backup_plan.invalid_copy_to_partner",
    rule: "DDB-FGAC-005",
    owner: "iam-reach",
  },
  {
    fixture: "iam-07-exfiltration",
    address: "aws_dynamodb_kinesis_streaming_destination.invalid_stream_partner_readable",
    rule: "DDB-ENC-008",
    owner: "iam-reach",
  },
  // 8. Endpoint policies that exfiltrate.
  {
    fixture: "iam-08-endpoint-exfiltration",
    address: "aws_vpc_endpoint.invalid_items_on_any_table",
    rule: "DDB-EP-002",
    owner: "iam-core",
  },
  // 9. Policy-variable defaults.
  {
    fixture: "iam-09-variable-defaults",
    address: "aws_iam_policy.invalid_tag_with_default",
    rule: "DDB-FGAC-001",
    owner: "iam-core",
  },
  {
    fixture: "iam-09-variable-defaults",
    address: "aws_iam_policy.invalid_like_default_star",
    rule: "DDB-FGAC-001",
    owner: "iam-core",
  },
];

const COMPLIANT: Compliant[] = [
  {
    fixture: "iam-01-decoy-denies",
    address: "aws_iam_policy.valid_denies_on_the_granted_table",
    owner: "iam-core",
    today: true,
  },
  {
    fixture: "iam-02-vacuous-bindings",
    address: "aws_iam_policy.valid_item_actions_bound",
    owner: "iam-core",
    today: true,
  },
  { fixture: "iam-03-key-policies", address: "aws_kms_key.valid_account_and_dynamodb", owner: "iam-core", today: true },
  {
    fixture: "iam-04-streams",
    address: "aws_dynamodb_resource_policy.valid_stream_to_own_archiver",
    owner: "iam-reach",
    today: true,
  },
  {
    fixture: "iam-05-assumable-principals",
    address: "aws_iam_role.valid_own_service_no_tag_session",
    owner: "iam-reach",
    today: true,
  },
  {
    fixture: "iam-05-assumable-principals",
    address: "aws_iam_role.valid_cognito_own_pool",
    owner: "iam-reach",
    today: true,
  },
  { fixture: "iam-06-escalation", address: "aws_iam_policy.valid_iam_read_only", owner: "iam-reach", today: true },
  {
    fixture: "iam-06-escalation",
    address: "aws_iam_user_policy.valid_tag_binding_without_tagging",
    owner: "iam-reach",
    today: true,
  },
  {
    fixture: "iam-07-exfiltration",
    address: "aws_dynamodb_resource_policy.valid_own_reporting_role",
    owner: "iam-reach",
    today: true,
  },
  {
    fixture: "iam-08-endpoint-exfiltration",
    address: "aws_vpc_endpoint.valid_items_on_own_tables",
    owner: "iam-core",
    today: true,
  },
  {
    fixture: "iam-09-variable-defaults",
    address: "aws_iam_policy.valid_tag_without_default",
    owner: "iam-core",
    today: true,
  },
  // The false findings: a binding the caller cannot choose, a key kept in the account and DynamoDB.
  {
    fixture: "iam-fp-unchoosable-variables",
    address: "aws_dynamodb_resource_policy.valid_partition_per_account",
    owner: "iam-core",
  },
  { fixture: "iam-fp-unchoosable-variables", address: "aws_iam_policy.valid_partition_per_org", owner: "iam-core" },
  {
    fixture: "iam-fp-key-via-service",
    address: "aws_kms_key.valid_via_dynamodb_in_account",
    owner: "iam-core",
    today: true,
  },
];

const { report, violations } = fixtureReports();
const at = (fixture: string, address: string): Finding[] => violations(fixture).filter((f) => f.address === address);
const rulesAt = (fixture: string, address: string) => at(fixture, address).map((f) => f.rule);

/** Which owner's work is on this branch. */
function landed(owner: Owner): boolean {
  if (owner === "iam-core") {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".rego") ? [join(dir, e.name)] : [],
      );
    return files(join(ROOT, "policies", "lib")).some((f) =>
      /^package ddb_guardrails\.lib\.iam\.evaluation$/m.test(readFileSync(f, "utf8")),
    );
  }
  return "access" in report("iam-04-streams");
}

test("every fixture of the table has rows for insecure and compliant resources named as such", () => {
  const fixtures = new Set([...INSECURE, ...COMPLIANT].map((r) => r.fixture));
  const onDisk = readdirSync(join(ROOT, "test", "fixtures")).filter((d) => d.startsWith("iam-"));
  expect([...fixtures].sort()).toEqual(onDisk.sort());
  for (const row of INSECURE) expect(row.address).toMatch(/(^|\.)invalid_/);
  for (const row of COMPLIANT) expect(row.address).toMatch(/(^|\.)valid_/);
  // Each address is a resource of its plan, so that a row cannot pass by naming nothing.
  for (const row of [...INSECURE, ...COMPLIANT]) {
    const plan = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", row.fixture, "plan.json"), "utf8"));
    const addresses = (plan.resource_changes as { address: string }[]).map((r) => r.address);
    expect([row.fixture, addresses]).toEqual([row.fixture, expect.arrayContaining([row.address])]);
  }
});

describe("already decided so on this branch", () => {
  test.each(INSECURE.filter((r) => r.today).map((r) => [r.address, r] as const))("%s is flagged", (_, row) => {
    expect(rulesAt(row.fixture, row.address)).toContain(row.rule);
  });
  test.each(COMPLIANT.filter((r) => r.today).map((r) => [r.address, r] as const))("%s has no finding", (_, row) => {
    expect(rulesAt(row.fixture, row.address)).toEqual([]);
  });
});

for (const owner of ["iam-core", "iam-reach"] as const) {
  if (!landed(owner)) {
    console.log(`IAM classes: the rows of ${owner} are not held on this branch (its work is not merged)`);
    continue;
  }
  describe(`with ${owner}`, () => {
    test.each(INSECURE.filter((r) => r.owner === owner).map((r) => [r.address, r] as const))(
      "%s is flagged with a witness",
      (_, row) => {
        const finding = at(row.fixture, row.address).find((f) => f.rule === row.rule) as
          | (Finding & { witness?: unknown })
          | undefined;
        expect(finding?.rule).toBe(row.rule);
        expect(finding?.witness).toMatchObject({
          principal: expect.anything(),
          action: expect.stringMatching(/^[a-z0-9-]+:[A-Za-z0-9*]+$/),
          resource: expect.any(String),
          context: expect.any(Object),
        });
      },
    );
    test.each(COMPLIANT.filter((r) => r.owner === owner).map((r) => [r.address, r] as const))(
      "%s has no finding",
      (_, row) => {
        expect(rulesAt(row.fixture, row.address)).toEqual([]);
      },
    );
  });
}
