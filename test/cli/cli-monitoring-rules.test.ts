// The CLI on the fixtures of the monitoring, key-policy, export and streaming-destination rules:
// exit code and the "<address> <rule>" lines of the text report.
import { fixturePlan, runCli } from "../helpers/paths";

describe("ddb-guardrails validate: monitoring, key scoping, exports and streams", () => {
  test.each([
    [
      "audit-monitoring",
      [
        "aws_dynamodb_table.invalid_scan_alarm_without_actions DDB-AUD-004",
        "aws_dynamodb_table.invalid_no_contributor_insights DDB-AUD-007",
      ],
    ],
    [
      "audit-monitoring-missing",
      ["DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007"].map(
        (rule) => `aws_dynamodb_table.invalid_unmonitored ${rule}`,
      ),
    ],
    [
      "audit-monitoring-unprovable",
      // Read with its source (the CLI finds the .tf files beside the plan), local.computed_name
      // follows to an IAM role's unique_id, which names no table: Contributor Insights is then
      // definitely off (AUD-007), while the alarm and export patterns stay unprovable.
      ["DDB-AUD-004-UNPROVABLE", "DDB-AUD-006-UNPROVABLE", "DDB-AUD-007"].map(
        (rule) => `aws_dynamodb_table.unprovable_monitoring ${rule}`,
      ),
    ],
    [
      "enc-key-policy",
      [
        "aws_kms_key.invalid_public_key DDB-ENC-006",
        "aws_kms_key.invalid_cross_account_key DDB-ENC-006",
        "aws_kms_key.invalid_usage_outside_dynamodb_key DDB-ENC-006",
        "aws_kms_key.unprovable_policy_key DDB-ENC-006-UNPROVABLE",
      ],
    ],
    [
      "enc-exports-streams",
      [
        "aws_dynamodb_table_export.invalid_export_sse_s3 DDB-ENC-007",
        "aws_dynamodb_table_export.unprovable_export_bucket_outside_plan DDB-ENC-007-UNPROVABLE",
        "aws_dynamodb_kinesis_streaming_destination.invalid_destination_unencrypted_stream DDB-ENC-008",
        "aws_dynamodb_kinesis_streaming_destination.unprovable_destination_stream_outside_plan DDB-ENC-008-UNPROVABLE",
      ],
    ],
  ])("%s exits 1 and names each finding", (fixture, lines) => {
    const run = runCli(["validate", fixturePlan(fixture)]);
    expect(run.status).toBe(1);
    for (const line of lines) {
      const [address, rule] = line.split(" ");
      expect(run.stdout).toMatch(new RegExp(`${address.replace(/[.[\]]/g, "\\$&")}\\s+${rule}\\s`));
    }
  });

  test("--rules picks one of the new rules; the others are not run", () => {
    const run = runCli([
      "validate",
      fixturePlan("audit-monitoring-missing"),
      "--rules",
      "DDB-AUD-005",
      "--format",
      "json",
    ]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { violations: { rule: string; address: string }[] };
    expect(report.violations.map((v) => `${v.rule} ${v.address}`)).toEqual([
      "DDB-AUD-005 aws_dynamodb_table.invalid_unmonitored",
    ]);
  });
});
