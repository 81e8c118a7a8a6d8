// Waivers recorded as tags on the resource they waive (SecureTable writes them for a waiver with an
// expiry): the gate honours each for its rule on that resource only, until its last day.
import { GuardrailsError, loadBundle, readPlan, validatePlan } from "../../src/engine";
import { fixturePlan, runCli } from "../helpers/paths";

const bundle = loadBundle();
const now = new Date("2026-06-01T00:00:00Z");
const pitr = (name: string) =>
  validatePlan(readPlan(fixturePlan(name)), { bundle, now }).violations.filter((f) => f.rule === "DDB-REC-001");

describe("waiver tags", () => {
  test("a tag waives its rule on its own resource, until its last day", () => {
    const findings = pitr("waiver-tags");
    expect(findings.map((f) => [f.address, f.waived ?? null])).toEqual([
      ["aws_dynamodb_table.invalid_untagged", null],
      ["aws_dynamodb_table.invalid_waiver_expired", null],
      ["aws_dynamodb_table.invalid_waiver_of_another_rule", null],
      [
        "aws_dynamodb_table.waived_pitr",
        { reason: "scratch table rebuilt nightly from the source of truth", expires: "2099-12-31" },
      ],
    ]);
  });

  test("an expired tag is reported as such and the finding counts again", () => {
    const report = validatePlan(readPlan(fixturePlan("waiver-tags")), { bundle, now });
    expect(report.notes).toContain(
      "waiver for DDB-REC-001 on aws_dynamodb_table.invalid_waiver_expired expired on 2020-01-31; aws_dynamodb_table.invalid_waiver_expired is reported again",
    );
    expect(report.summary.passed).toBe(false);
  });

  test("a tag that is not a waiver, or names no rule, stops the evaluation", () => {
    expect(() => pitr("waiver-tags-malformed")).toThrow(GuardrailsError);
    expect(() => pitr("waiver-tags-malformed")).toThrow(
      'aws_dynamodb_table.invalid_malformed_waiver: tag "ddb-guardrails:waive:DDB-ENC-001" = "forever because" is not a waiver; write "<YYYY-MM-DD> <reason>" (its last day, then why)',
    );
    expect(() => pitr("waiver-tags-unknown-rule")).toThrow(
      'aws_dynamodb_table.invalid_unknown_rule_waiver: tag "ddb-guardrails:waive:DDB-REC-01" names no rule; use a rule id of docs/rules.md',
    );
  });

  test("the CLI shows the waived finding and exits 2 with one line on a malformed tag", () => {
    const ok = runCli(["validate", fixturePlan("waiver-tags"), "-f", "json"]);
    expect(ok.status).toBe(1);
    const waived = JSON.parse(ok.stdout).violations.filter((f: { waived?: unknown }) => f.waived);
    expect(waived.map((f: { address: string; rule: string }) => [f.address, f.rule])).toEqual([
      ["aws_dynamodb_table.waived_pitr", "DDB-REC-001"],
    ]);
    const bad = runCli(["validate", fixturePlan("waiver-tags-malformed")]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/is not a waiver/);
  });
});
