// The access map (policies/access.rego) through the CLI on real fixture plans: who can do what to each
// table, each capability with the request the IAM evaluation core allowed, computed only for the
// formats that show it.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AccessMap, AccessRow } from "../../src/engine";
import { fixturePlan, runCli } from "../helpers/paths";

/** The access map of a fixture, with its Terraform source (beside the plan) or, `alone`, from the plan only. */
function accessOf(fixture: string, alone = false): AccessMap {
  let plan = fixturePlan(fixture);
  if (alone) {
    plan = join(mkdtempSync(join(tmpdir(), "ddb-guardrails-access-")), "plan.json");
    cpSync(fixturePlan(fixture), plan);
  }
  const run = runCli(["validate", plan, "--format", "json"]);
  expect(run.status === 0 || run.status === 1).toBe(true);
  return JSON.parse(run.stdout).access as AccessMap;
}

function row(map: AccessMap, table: string | undefined, policy: string): AccessRow | undefined {
  const rows = table === undefined ? map.any_table.principals : map.tables.find((t) => t.address === table)?.principals;
  return rows?.find((r) => r.policy === policy);
}

const capabilities = (r: AccessRow | undefined) => Object.keys(r?.capabilities ?? {}).sort();

describe("ddb-guardrails validate --format json: the access map", () => {
  test("a decoy Deny leaves Scan on the table, with the Scan request as witness; a real Deny refuses it", () => {
    const map = accessOf("iam-01-decoy-denies");
    const decoy = row(map, "aws_dynamodb_table.sessions", "aws_iam_policy.invalid_scan_deny_on_other_table");
    expect(capabilities(decoy)).toEqual(["read_bound", "scan"]);
    expect(decoy?.capabilities.scan).toEqual({
      principal: {
        arn: "arn:aws:iam::111122223333:user/ddb-guardrails-caller",
        account: "111122223333",
        type: "AWS",
        tags: {},
      },
      action: "dynamodb:Scan",
      resource: "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions",
      context: { "aws:SecureTransport": "true", "dynamodb:Select": "ALL_ATTRIBUTES" },
    });
    expect(
      capabilities(row(map, "aws_dynamodb_table.sessions", "aws_iam_policy.invalid_protected_deny_on_other_table")),
    ).toEqual(["read_bound", "write_protected"]);
    expect(
      capabilities(row(map, "aws_dynamodb_table.sessions", "aws_iam_policy.valid_denies_on_the_granted_table")),
    ).toEqual(["read_bound"]);
  });

  test("a vacuous LeadingKeys binding on table/* administers and exports every table of the account", () => {
    const map = accessOf("iam-02-vacuous-bindings");
    const rows = map.any_table.principals.filter((r) => r.capabilities.administer);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.policy).toMatch(/\.invalid_/);
    const witness = rows[0].capabilities.administer;
    expect(witness?.action).toBe("dynamodb:DeleteTable");
    expect(witness?.context["dynamodb:LeadingKeys"]).toBeUndefined();
  });

  test("a stream's resource policy opens it to another account; a group policy reads every stream", () => {
    const map = accessOf("iam-04-streams");
    const partner = row(map, "aws_dynamodb_table.sessions", "aws_dynamodb_resource_policy.invalid_stream_to_partner");
    expect(partner?.principal).toBe("any principal of account 444455556666");
    expect(partner?.kind).toBe("resource");
    expect(capabilities(partner)).toEqual(["read_stream"]);
    expect(partner?.capabilities.read_stream?.action).toBe("dynamodb:GetRecords");
    const group = row(map, undefined, "aws_iam_group_policy.invalid_group_reads_every_stream");
    expect(group?.principal).toBe("users of group/analysts");
    expect(capabilities(group)).toEqual(["read_stream"]);
  });

  test("policies that cannot be read before apply are listed, on the table or under any table", () => {
    // jsonencode() over the table's ARN: only its source says what it holds (DescribeTable, no row).
    const shared = (alone: boolean) =>
      accessOf("fgac-resource-policy", alone).tables.find((t) => t.address === "aws_dynamodb_table.shared")?.unprovable;
    expect(shared(true)).toEqual([
      expect.objectContaining({
        policy: "aws_dynamodb_resource_policy.invalid_unresolvable_policy",
        document: "policy",
      }),
    ]);
    expect(shared(false)).toEqual([]);
    expect(accessOf("fgac-jsonencode-after-apply-insecure").any_table.unprovable).toEqual([
      {
        policy: "aws_iam_user_policy.invalid_actions_after_apply",
        document: "policy",
        reason: "Statement[1].Action is only known after apply",
      },
    ]);
    expect(accessOf("fgac-managed-policies").any_table.unprovable.map((u) => u.policy)).toContain(
      "aws_iam_role_policy_attachment.invalid_customer_policy_outside_plan",
    );
  });

  test("--no-access-map leaves it out of JSON; text does not show it; Markdown shows it under the findings", () => {
    const json = runCli(["validate", fixturePlan("iam-04-streams"), "--format", "json", "--no-access-map"]);
    expect(JSON.parse(json.stdout).access).toBeUndefined();
    expect(JSON.parse(json.stdout).violations.length).toBeGreaterThan(0);
    const text = runCli(["validate", fixturePlan("iam-04-streams"), "--format", "text"]);
    expect(text.stdout).not.toContain("Who can access");
    const markdown = runCli(["validate", fixturePlan("iam-04-streams"), "--format", "markdown"]).stdout;
    const section = markdown.slice(markdown.indexOf("#### Who can access each table"));
    expect(markdown.indexOf("#### Findings by resource")).toBeLessThan(markdown.indexOf("#### Who can access"));
    expect(section).toContain(
      "| `aws_dynamodb_table.sessions` | any principal of account 444455556666 | `aws_dynamodb_resource_policy.invalid_stream_to_partner` |  |  |  |  |  |  | ✓ |",
    );
    expect(section).toContain(
      "| any table | users of group/analysts | `aws_iam_group_policy.invalid_group_reads_every_stream` |  |  |  |  |  |  | ✓ |",
    );
  });
});
