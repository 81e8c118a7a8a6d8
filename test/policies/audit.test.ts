// The audit guardrail (DDB-AUD-*) as users get it, from the compiled bundle on real plans of
// test/fixtures/audit-*: what the findings say. Which findings each fixture has is asserted by the Rego
// tests (policies/rules/audit/*_test.rego), and test/reliability/wasm-parity.test.ts holds the bundle to them.
import { fixtureReports } from "../helpers/fixture-reports";

const { report } = fixtureReports();
const evidence = (name: string, rule: string, address: string) =>
  report(name)
    .violations.filter((f) => f.rule === rule && f.address === address)
    .map((f) => f.evidence);

describe("DDB-AUD-001 CloudTrail data events", () => {
  test("a selector that records reads only is named in the evidence", () => {
    expect(evidence("audit-trail", "DDB-AUD-001", "aws_dynamodb_table.invalid_reads_only")).toEqual([
      ["aws_cloudtrail.reads_only event_selector[0].data_resource[0] records read events only"],
    ]);
  });

  test("without any trail in the plan, the evidence says so", () => {
    expect(evidence("audit-no-trail", "DDB-AUD-001", "aws_dynamodb_table.invalid_no_trail_in_plan")).toEqual([
      ["no aws_cloudtrail in this plan"],
    ]);
  });

  test("a table list through a local is UNPROVABLE, naming the local", () => {
    expect(
      evidence("audit-trail-unprovable", "DDB-AUD-001-UNPROVABLE", "aws_dynamodb_table.unprovable_arn_in_local"),
    ).toEqual([
      [
        "aws_cloudtrail.through_local event_selector[0].data_resource[0].values <- local.logged_tables (not resolvable from the plan)",
      ],
    ]);
  });
});

describe("DDB-AUD-002 stream archive Object Lock", () => {
  test("an archive bucket without Object Lock gets one finding per missing piece, each naming the archive tag", () => {
    expect(evidence("audit-archive", "DDB-AUD-002", "aws_s3_bucket.invalid_archive_no_object_lock").sort()).toEqual([
      ['tags["ddb-guardrails:role"] = "stream-archive"', "no aws_s3_bucket_object_lock_configuration for this bucket"],
      ['tags["ddb-guardrails:role"] = "stream-archive"', "object_lock_enabled = false"],
    ]);
  });
});

describe("DDB-AUD-004..007 monitoring: Scan alarms, change alerts, export alerts, Contributor Insights", () => {
  test("a Scan alarm without actions is named in the evidence", () => {
    expect(
      evidence("audit-monitoring", "DDB-AUD-004", "aws_dynamodb_table.invalid_scan_alarm_without_actions"),
    ).toEqual([
      [
        "no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table",
        "aws_cloudwatch_metric_alarm.invoices_large_scan_silent: no alarm_actions",
      ],
    ]);
  });

  test("the change-alert evidence names the unmatched events and why Config rules do not count", () => {
    expect(evidence("audit-monitoring-missing", "DDB-AUD-005", "aws_dynamodb_table.invalid_unmonitored")).toEqual([
      [
        "no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, PutResourcePolicy, UpdateContinuousBackups",
        "AWS Config rule results reach nobody (no delivery channel SNS topic, no targeted rule on Config Rules Compliance Change)",
      ],
    ]);
  });

  test("names only known after apply are UNPROVABLE, naming what they depend on", () => {
    expect(
      evidence("audit-monitoring-unprovable", "DDB-AUD-007-UNPROVABLE", "aws_dynamodb_table.unprovable_monitoring"),
    ).toEqual([
      [
        "aws_dynamodb_contributor_insights.computed_name.table_name <- local.computed_name (not resolvable from the plan)",
      ],
    ]);
  });

  test("Contributor Insights is low severity; the others medium", () => {
    const severities = Object.fromEntries(
      report("audit-monitoring-missing").violations.map((f) => [f.rule, f.severity]),
    );
    expect(severities).toEqual({
      "DDB-AUD-004": "medium",
      "DDB-AUD-005": "medium",
      "DDB-AUD-006": "medium",
      "DDB-AUD-007": "low",
    });
  });
});
