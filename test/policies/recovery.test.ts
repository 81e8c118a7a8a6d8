// The recovery guardrail (DDB-REC-*) as users get it, from the compiled bundle on real plans of
// test/fixtures/rec-*: severities and evidence. Which findings each fixture has is asserted by the Rego
// tests (policies/rules/recovery/*_test.rego), and test/reliability/wasm-parity.test.ts holds the bundle to them.
import { fixtureReports } from "../helpers/fixture-reports";

const { report } = fixtureReports();

describe("DDB-REC-001 point-in-time recovery and DDB-REC-002 deletion protection", () => {
  test("PITR is high severity, deletion protection lower, and each says what it read", () => {
    const violations = report("rec-pitr-deletion").violations;
    const pitr = violations.find(
      (f) => f.rule === "DDB-REC-001" && f.address === "aws_dynamodb_table.invalid_pitr_disabled",
    );
    const deletion = violations.find(
      (f) => f.rule === "DDB-REC-002" && f.address === "aws_dynamodb_table.invalid_deletion_protection_off",
    );
    expect(pitr).toMatchObject({
      guardrail: "recovery",
      severity: "high",
      evidence: ["point_in_time_recovery[0].enabled = false"],
    });
    expect(deletion).toMatchObject({
      guardrail: "recovery",
      severity: "medium",
      evidence: ["deletion_protection_enabled = false"],
    });
    const unknown = violations.find((f) => f.rule === "DDB-REC-001-UNPROVABLE");
    expect(unknown?.evidence).toEqual([
      "point_in_time_recovery[0].enabled: (known after apply) <- aws_kms_key.tables (created in this plan)",
    ]);
  });
});

describe("DDB-REC-001/002 on tables created outside the aws provider", () => {
  test("a CloudFormation intrinsic is UNPROVABLE, quoting it", () => {
    const intrinsic = report("cfn-stack-tables").violations.find(
      (f) => f.rule === "DDB-REC-001-UNPROVABLE" && f.address === "aws_cloudformation_stack.unprovable_intrinsics",
    );
    expect(intrinsic?.evidence).toEqual([
      'Resources.ImportedKey.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled = {"Fn::If":["Prod",true,false]} (evaluated by CloudFormation at deploy time; the plan cannot follow it)',
    ]);
  });
});
