// The audit guardrail (DDB-AUD-*), run from the compiled bundle on real plans of test/fixtures/audit-*.
import { fixtureReports } from "./helpers/fixture-reports";

const { report, findings } = fixtureReports();
const evidence = (name: string, rule: string, address: string) =>
  report(name)
    .violations.filter((f) => f.rule === rule && f.address === address)
    .map((f) => f.evidence);

describe("DDB-AUD-001 CloudTrail data events", () => {
  test("tables selected by ARN reference, literal ARN, advanced selector or prefix pass; reads-only, writes-only, disabled, excluded and unselected fail", () => {
    expect(findings("audit-trail")).toEqual([
      "DDB-AUD-001 aws_dynamodb_table.invalid_excluded_by_selector",
      "DDB-AUD-001 aws_dynamodb_table.invalid_not_logged",
      "DDB-AUD-001 aws_dynamodb_table.invalid_reads_only",
      "DDB-AUD-001 aws_dynamodb_table.invalid_trail_disabled",
      "DDB-AUD-001 aws_dynamodb_table.invalid_writes_only",
    ]);
    expect(evidence("audit-trail", "DDB-AUD-001", "aws_dynamodb_table.invalid_reads_only")).toEqual([
      ["aws_cloudtrail.reads_only event_selector[0].data_resource[0] records read events only"],
    ]);
  });

  test("without any trail in the plan, each table is reported (waivable per table)", () => {
    expect(findings("audit-no-trail")).toEqual(["DDB-AUD-001 aws_dynamodb_table.invalid_no_trail_in_plan"]);
    expect(evidence("audit-no-trail", "DDB-AUD-001", "aws_dynamodb_table.invalid_no_trail_in_plan")).toEqual([
      ["no aws_cloudtrail in this plan"],
    ]);
  });

  test("a table list through a local is UNPROVABLE, naming the local", () => {
    expect(findings("audit-trail-unprovable")).toEqual([
      "DDB-AUD-001-UNPROVABLE aws_dynamodb_table.unprovable_arn_in_local",
    ]);
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
  test("archive buckets (tag ddb-guardrails:role = stream-archive) need Object Lock with COMPLIANCE default retention", () => {
    expect(findings("audit-archive")).toEqual([
      "DDB-AUD-002 aws_s3_bucket.invalid_archive_governance_mode",
      "DDB-AUD-002 aws_s3_bucket.invalid_archive_no_default_retention",
      "DDB-AUD-002 aws_s3_bucket.invalid_archive_no_object_lock",
      "DDB-AUD-002 aws_s3_bucket.invalid_archive_no_object_lock",
    ]);
    expect(evidence("audit-archive", "DDB-AUD-002", "aws_s3_bucket.invalid_archive_no_object_lock").sort()).toEqual([
      ['tags["ddb-guardrails:role"] = "stream-archive"', "no aws_s3_bucket_object_lock_configuration for this bucket"],
      ['tags["ddb-guardrails:role"] = "stream-archive"', "object_lock_enabled = false"],
    ]);
  });
});

describe("DDB-AUD-003 session TTL", () => {
  test("tables tagged ddb-guardrails:data-class = session need TTL; untagged tables are not judged", () => {
    expect(findings("audit-session-ttl")).toEqual([
      "DDB-AUD-003 aws_dynamodb_table.invalid_session_ttl_disabled",
      "DDB-AUD-003 aws_dynamodb_table.invalid_session_without_ttl",
    ]);
  });
});

describe("DDB-AUD-004..007 monitoring: Scan alarms, change alerts, export alerts, Contributor Insights", () => {
  test("filters on the table name and Operation = Scan metric alarms with actions cover tables; a silent alarm and a table without Contributor Insights fail", () => {
    expect(findings("audit-monitoring")).toEqual([
      "DDB-AUD-004 aws_dynamodb_table.invalid_scan_alarm_without_actions",
      "DDB-AUD-007 aws_dynamodb_table.invalid_no_contributor_insights",
    ]);
    expect(
      evidence("audit-monitoring", "DDB-AUD-004", "aws_dynamodb_table.invalid_scan_alarm_without_actions"),
    ).toEqual([
      [
        "no alarm with alarm_actions on a Scan log metric filter, or on a Scan metric of this table",
        "aws_cloudwatch_metric_alarm.invoices_large_scan_silent: no alarm_actions",
      ],
    ]);
  });

  test("disabled, untargeted and partial EventBridge rules, half the Config rules and an alarm with actions disabled do not count", () => {
    expect(findings("audit-monitoring-missing")).toEqual(
      ["DDB-AUD-004", "DDB-AUD-005", "DDB-AUD-006", "DDB-AUD-007"].map(
        (rule) => `${rule} aws_dynamodb_table.invalid_unmonitored`,
      ),
    );
    expect(evidence("audit-monitoring-missing", "DDB-AUD-005", "aws_dynamodb_table.invalid_unmonitored")).toEqual([
      [
        "no enabled, targeted EventBridge rule matches DeleteBackup, DeleteResourcePolicy, PutResourcePolicy, UpdateContinuousBackups",
        "AWS Config managed rules missing: DYNAMODB_TABLE_ENCRYPTED_KMS",
      ],
    ]);
  });

  test("Config rules cover change alerts; names and patterns only known after apply are UNPROVABLE, naming what they depend on", () => {
    expect(findings("audit-monitoring-unprovable")).toEqual(
      ["DDB-AUD-004-UNPROVABLE", "DDB-AUD-006-UNPROVABLE", "DDB-AUD-007-UNPROVABLE"].map(
        (rule) => `${rule} aws_dynamodb_table.unprovable_monitoring`,
      ),
    );
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
