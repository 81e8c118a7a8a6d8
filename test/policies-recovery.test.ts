// The recovery guardrail (DDB-REC-*), run from the compiled bundle on real plans of test/fixtures/rec-*.
import { fixtureReports } from "./helpers/fixture-reports";

const { report, findings } = fixtureReports();

describe("DDB-REC-001 point-in-time recovery and DDB-REC-002 deletion protection", () => {
  test("tables, replica blocks and replica resources without them are flagged; an unknown setting is UNPROVABLE", () => {
    expect(findings("rec-pitr-deletion")).toEqual([
      "DDB-REC-001 aws_dynamodb_table.invalid_no_pitr",
      "DDB-REC-001 aws_dynamodb_table.invalid_pitr_disabled",
      "DDB-REC-001 aws_dynamodb_table.invalid_replica_block_without_pitr",
      "DDB-REC-001 aws_dynamodb_table_replica.invalid_replica_unprotected",
      "DDB-REC-001-UNPROVABLE aws_dynamodb_table.unprovable_pitr",
      "DDB-REC-002 aws_dynamodb_table.invalid_deletion_protection_off",
      "DDB-REC-002 aws_dynamodb_table.invalid_no_deletion_protection",
      "DDB-REC-002 aws_dynamodb_table_replica.invalid_replica_unprotected",
    ]);
  });

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

  test("protected tables and replicas pass", () => {
    const addresses = report("rec-pitr-deletion").violations.map((f) => f.address);
    expect(addresses).not.toContain("aws_dynamodb_table.valid_protected");
    expect(addresses).not.toContain("aws_dynamodb_table.valid_replica_source");
    expect(findings("enc-replica").filter((f) => f.startsWith("DDB-REC"))).toEqual([]);
  });
});

describe("DDB-REC-001/002 on tables created outside the aws provider", () => {
  const recovery = (name: string) => findings(name).filter((f) => f.startsWith("DDB-REC"));

  test("awscc tables and global-table replicas without PITR or deletion protection are flagged", () => {
    expect(recovery("awscc-tables")).toEqual([
      "DDB-REC-001 awscc_dynamodb_global_table.invalid_global_replica_aws_managed_key",
      "DDB-REC-001 awscc_dynamodb_table.invalid_no_pitr",
      "DDB-REC-001 awscc_dynamodb_table.invalid_pitr_disabled_no_deletion_protection",
      "DDB-REC-001-UNPROVABLE awscc_dynamodb_global_table.unprovable_global_replica_unset",
      "DDB-REC-002 awscc_dynamodb_table.invalid_pitr_disabled_no_deletion_protection",
    ]);
  });

  test("CloudFormation tables and replicas: off, unset, an intrinsic, or an unreadable template", () => {
    expect(recovery("cfn-stack-tables")).toEqual([
      "DDB-REC-001 aws_cloudformation_stack.invalid_global_table_replica",
      "DDB-REC-001 aws_cloudformation_stack.invalid_recovery",
      "DDB-REC-001-UNPROVABLE aws_cloudformation_stack.unprovable_intrinsics",
      "DDB-REC-001-UNPROVABLE aws_cloudformation_stack.unprovable_template_url",
      "DDB-REC-001-UNPROVABLE aws_cloudformation_stack.unprovable_unknown_body",
      "DDB-REC-001-UNPROVABLE aws_cloudformation_stack.unprovable_unreadable_template",
      "DDB-REC-002 aws_cloudformation_stack.invalid_global_table_replica",
      "DDB-REC-002 aws_cloudformation_stack.invalid_recovery",
      "DDB-REC-002-UNPROVABLE aws_cloudformation_stack.unprovable_template_url",
      "DDB-REC-002-UNPROVABLE aws_cloudformation_stack.unprovable_unknown_body",
      "DDB-REC-002-UNPROVABLE aws_cloudformation_stack.unprovable_unreadable_template",
    ]);
    const intrinsic = report("cfn-stack-tables").violations.find(
      (f) => f.rule === "DDB-REC-001-UNPROVABLE" && f.address === "aws_cloudformation_stack.unprovable_intrinsics",
    );
    expect(intrinsic?.evidence).toEqual([
      'Resources.ImportedKey.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled = {"Fn::If":["Prod",true,false]} (evaluated by CloudFormation at deploy time; the plan cannot follow it)',
    ]);
  });
});
