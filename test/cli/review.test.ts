// --changed-only keeps a finding on an unchanged resource when its evidence passes through a changed one.
import type { Finding, Report } from "../../src/engine";
import { changedOnlyView } from "../../src/cli/review";

const finding = (address: string, evidence: string[], severity: Finding["severity"] = "high"): Finding => ({
  rule: "DDB-ENC-001",
  guardrail: "encryption",
  severity,
  address,
  message: "m",
  remediation: "r",
  evidence,
});

const report = (violations: Finding[]): Report => ({
  tool: { name: "ddb-guardrails", version: "0" },
  bundle: { version: "0", sha256: "0" },
  rules: [],
  summary: { resources: 3, violations: violations.length, waived: 0, failOn: "low", passed: violations.length === 0 },
  violations,
});

describe("changedOnlyView", () => {
  const viaKey = finding("aws_dynamodb_table.t", ["server_side_encryption[0].kms_key_arn <- aws_kms_key.k.arn"]);

  test("keeps a finding whose evidence names a changed resource", () => {
    const view = changedOnlyView(report([viaKey]), new Set(["aws_kms_key.k"]), false);
    expect(view.violations).toEqual([viaKey]);
  });

  test("an address is matched whole: a longer name or another module's resource is not the changed one", () => {
    for (const changed of ["aws_kms_key.k2", "module.a.aws_kms_key.k", "aws_kms_key"]) {
      expect(changedOnlyView(report([viaKey]), new Set([changed]), false).violations).toEqual([]);
    }
    const inModule = finding("aws_dynamodb_table.t", [
      'kms_key_arn <- module.a["x"].aws_kms_key.k[0] (created in this plan)',
    ]);
    expect(changedOnlyView(report([inModule]), new Set(['module.a["x"].aws_kms_key.k[0]']), false).violations).toEqual([
      inModule,
    ]);
    expect(changedOnlyView(report([inModule]), new Set(["aws_kms_key.k[0]"]), false).violations).toEqual([]);
  });

  test("the verdict stays the whole plan's unless the view is to decide it", () => {
    const hidden = finding("aws_dynamodb_table.other", ["point_in_time_recovery[0].enabled = false"]);
    const whole = report([hidden]);
    expect(changedOnlyView(whole, new Set(["aws_kms_key.k"]), false).summary).toMatchObject({
      passed: false,
      violations: 0,
    });
    expect(changedOnlyView(whole, new Set(["aws_kms_key.k"]), true).summary).toMatchObject({
      passed: true,
      violations: 0,
    });
    expect(changedOnlyView(whole, new Set(["aws_kms_key.k"]), true).review?.changedOnly).toEqual({
      changedResources: 1,
      hidden: 1,
      verdictCovers: "changed",
    });
  });
});
