// The review of a change through the built CLI, on plans of a change to an applied stack
// (scripts/fixtures/change-fixture.sh): regressions judged on before -> after, a plan that only deletes,
// a baseline that cannot swallow new findings, and --changed-only views.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePlan, runCli } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-review-"));
const regressions = fixturePlan("change-regressions");
const unchanged = fixturePlan("change-unchanged");
const destroy = fixturePlan("change-destroy");
const REGRESSION_RULES = ["DDB-REC-003", "DDB-REC-004", "DDB-AUD-009", "DDB-ENC-009"];
const NEXT_YEAR = `${new Date().getUTCFullYear() + 1}-12-31`;

interface JsonFinding {
  rule: string;
  address: string;
  severity: string;
  evidence: string[];
  waived?: object;
  baselined?: { reason: string; expires: string };
}
interface JsonReport {
  summary: { resources: number; violations: number; waived: number; baselined?: number; passed: boolean };
  violations: JsonFinding[];
  review?: {
    baseline?: { matched: number; stale: Array<{ rule: string; address: string }> };
    changedOnly?: { changedResources: number; hidden: number; verdictCovers: string };
  };
}

// Runs are deterministic: each JSON report is made once (every CLI run plans nothing but still takes seconds).
const runs = new Map<string, { status: number | null; report: JsonReport; stderr: string }>();
function json(args: string[]): { status: number | null; report: JsonReport; stderr: string } {
  const key = JSON.stringify(args);
  if (!runs.has(key)) {
    const run = runCli([...args, "-f", "json"], { cwd: work });
    runs.set(key, { status: run.status, report: JSON.parse(run.stdout), stderr: run.stderr });
  }
  return runs.get(key)!;
}

function expectOneLineError(run: { status: number | null; stdout: string; stderr: string }, reason: RegExp): void {
  expect(run.stdout).toBe("");
  expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^ddb-guardrails: error: /)]);
  expect(run.stderr).toMatch(reason);
  expect(run.status).toBe(2);
}

const pairs = (findings: JsonFinding[]) => findings.map((f) => `${f.rule} ${f.address}`).sort();

/** Addresses the plan creates, updates or deletes, read from the plan file itself. */
function changedIn(plan: string): Set<string> {
  const changes = JSON.parse(readFileSync(plan, "utf8")).resource_changes as Array<{
    address: string;
    change: { actions: string[] };
  }>;
  return new Set(changes.filter((c) => !["no-op", "read"].includes(c.change.actions.join())).map((c) => c.address));
}

describe("security regressions of a change", () => {
  test("each regression is reported on the resource it weakens, deletes or replaces, and nothing on valid_*", () => {
    const { status, report } = json(["validate", regressions]);
    expect(status).toBe(1);
    expect(pairs(report.violations.filter((f) => REGRESSION_RULES.includes(f.rule)))).toEqual(
      [
        "DDB-AUD-009 aws_dynamodb_table.invalid_session_ttl_removed",
        "DDB-AUD-009 aws_dynamodb_table.invalid_stream_turned_off",
        "DDB-ENC-009 aws_dynamodb_table.invalid_key_to_aws_managed",
        "DDB-ENC-009 aws_dynamodb_table.invalid_key_weakened",
        "DDB-ENC-009 aws_kms_key.invalid_disabled",
        "DDB-ENC-009 aws_kms_key.invalid_rotation_turned_off",
        "DDB-REC-003 aws_dynamodb_table.invalid_deletion_protection_turned_off",
        "DDB-REC-003 aws_dynamodb_table.invalid_pitr_turned_off",
        "DDB-REC-004 aws_dynamodb_table.invalid_deleted",
        "DDB-REC-004 aws_dynamodb_table.invalid_replaced",
        "DDB-REC-004 aws_dynamodb_table.invalid_replaced_create_first",
        "DDB-REC-004 aws_kms_key.invalid_deleted",
        "DDB-REC-004 aws_s3_bucket.invalid_archive_deleted",
      ].sort(),
    );
    expect(report.violations.filter((f) => f.rule === "DDB-REC-004").every((f) => f.severity === "critical")).toBe(
      true,
    );
  });

  test("the same stack planned without a change has no regression", () => {
    const { report } = json(["validate", unchanged]);
    expect(report.violations.filter((f) => REGRESSION_RULES.includes(f.rule))).toEqual([]);
    expect(report.violations.length).toBeGreaterThan(0); // its inherited findings, for the baseline below
  });

  test("a plan that only deletes is judged on what it deletes, never 'no resources to check'", () => {
    const text = runCli(["validate", destroy], { cwd: work });
    expect(text.status).toBe(1);
    expect(text.stdout).not.toMatch(/no resources to check/);
    expect(text.stdout).toMatch(/^FAIL 3 violations in 5 resources /m);
    const { report } = json(["validate", destroy]);
    expect(report.summary.resources).toBe(5);
    expect(pairs(report.violations)).toEqual([
      "DDB-REC-004 aws_dynamodb_table.invalid_deleted",
      "DDB-REC-004 aws_kms_key.invalid_deleted_table_key",
      "DDB-REC-004 aws_s3_bucket.invalid_archive_deleted",
    ]);
    const markdown = runCli(["validate", destroy, "-f", "markdown"], { cwd: work });
    expect(markdown.stdout).toMatch(/^### ddb-guardrails: ❌ failed: 3 violations in 5 resources/);
  });

  test("deleting a table is critical unless a waiver says the data may go", () => {
    const config = join(work, "waive-deletes.yml");
    writeFileSync(
      config,
      [
        "aws_dynamodb_table.invalid_deleted",
        "aws_kms_key.invalid_deleted_table_key",
        "aws_s3_bucket.invalid_archive_deleted",
      ]
        .map(
          (a) =>
            `  - {rule: DDB-REC-004, address: ${a}, reason: the table is empty by declaration, expires: ${NEXT_YEAR}}`,
        )
        .reduce((yaml, line) => `${yaml}${line}\n`, "waivers:\n"),
    );
    const { status, report } = json(["validate", destroy, "--config", config, "--fail-on", "critical"]);
    expect(status).toBe(0);
    expect(report.summary).toMatchObject({ violations: 0, waived: 3, passed: true });
  });
});

describe("a baseline", () => {
  const file = join(work, "baseline.json");
  let recorded: {
    reason: string;
    expires: string;
    findings: Array<{ rule: string; address: string; fingerprint: string }>;
  };

  beforeAll(() => {
    const write = runCli(
      [
        "baseline",
        "write",
        unchanged,
        "-o",
        file,
        "--reason",
        "inherited stack; fixes in SEC-42",
        "--expires",
        NEXT_YEAR,
      ],
      { cwd: work },
    );
    expect(write.status).toBe(0);
    expect(write.stdout).toBe("");
    recorded = JSON.parse(readFileSync(file, "utf8"));
  });

  test("records today's findings with the reason, the expiry and a fingerprint of each", () => {
    const { report } = json(["validate", unchanged]);
    expect(recorded.reason).toBe("inherited stack; fixes in SEC-42");
    expect(recorded.expires).toBe(NEXT_YEAR);
    expect(recorded.findings.map((e) => `${e.rule} ${e.address}`).sort()).toEqual(pairs(report.violations));
    expect(recorded.findings.every((e) => /^sha256:[0-9a-f]{64}$/.test(e.fingerprint))).toBe(true);
  });

  test("the same plan with its baseline passes: every finding is inherited, and still shown", () => {
    const { status, report } = json(["validate", unchanged, "--baseline", file]);
    expect(status).toBe(0);
    expect(report.summary).toMatchObject({ violations: 0, baselined: recorded.findings.length, passed: true });
    expect(report.violations.every((f) => f.baselined?.reason === "inherited stack; fixes in SEC-42")).toBe(true);
    expect(report.review?.baseline).toMatchObject({ matched: recorded.findings.length, stale: [] });
  });

  test("the change fails only on its new findings; entries it no longer matches are stale", () => {
    const { status, report, stderr } = json(["validate", regressions, "--baseline", file]);
    expect(status).toBe(1);
    const added = report.violations.filter((f) => !f.baselined);
    // every regression is new, and so is everything on resources the change replaced or weakened
    for (const f of report.violations.filter((v) => REGRESSION_RULES.includes(v.rule))) expect(added).toContain(f);
    expect(
      report.violations.filter((f) => f.address === "aws_dynamodb_table.valid_unchanged").every((f) => f.baselined),
    ).toBe(true);
    expect(report.summary.violations).toBe(added.length);
    const stale = report.review!.baseline!.stale.map((e) => `${e.rule} ${e.address}`);
    expect(stale).toContain("DDB-AUD-001 aws_dynamodb_table.invalid_deleted");
    expect(stale).toContain("DDB-REC-001 aws_dynamodb_table.valid_protection_added"); // fixed by the change
    expect(stderr).toMatch(/baseline entries match no finding \(stale\)/);
  });

  test("a different violation of the same rule at the same address is new (the evidence differs)", () => {
    // invalid_aws_owned_to_aws_managed: DDB-ENC-001 before (AWS-owned key) and after (AWS-managed key)
    const address = "aws_dynamodb_table.invalid_aws_owned_to_aws_managed";
    expect(recorded.findings.some((e) => e.rule === "DDB-ENC-001" && e.address === address)).toBe(true);
    const { report, stderr } = json(["validate", regressions, "--baseline", file]);
    const finding = report.violations.find((f) => f.rule === "DDB-ENC-001" && f.address === address);
    expect(finding).toBeDefined();
    expect(finding!.baselined).toBeUndefined();
    expect(stderr).toContain(
      `DDB-ENC-001 on ${address}: the evidence differs from the baseline's entry; reported as new`,
    );
  });

  test("an entry whose fingerprint does not match does not swallow the finding", () => {
    const edited = { ...recorded, findings: recorded.findings.map((e) => ({ ...e })) };
    const entry = edited.findings.find((e) => e.address === "aws_dynamodb_table.valid_unchanged")!;
    entry.fingerprint = `sha256:${"0".repeat(64)}`;
    const tampered = join(work, "tampered.json");
    writeFileSync(tampered, JSON.stringify(edited));
    const { status, report } = json(["validate", unchanged, "--baseline", tampered]);
    expect(status).toBe(1);
    expect(pairs(report.violations.filter((f) => !f.baselined))).toEqual([`${entry.rule} ${entry.address}`]);
    expect(report.review!.baseline!.stale).toEqual([
      expect.objectContaining({ rule: entry.rule, address: entry.address }),
    ]);
  });

  test("inherited findings are visible in every format", () => {
    const out = (name: string) => join(work, `inherited.${name}`);
    const run = runCli(
      [
        "validate",
        regressions,
        "--baseline",
        file,
        "-f",
        "sarif",
        "-o",
        out("sarif"),
        "-f",
        "markdown",
        "-o",
        out("md"),
        "-f",
        "junit",
        "-o",
        out("xml"),
        "-f",
        "gitlab",
        "-o",
        out("gitlab"),
        "-f",
        "text",
      ],
      { cwd: work },
    );
    expect(run.status).toBe(1);
    const { report } = json(["validate", regressions, "--baseline", file]);
    const inherited = report.summary.baselined!;
    expect(inherited).toBeGreaterThan(0);
    expect(
      run.stdout.match(/\(inherited: in the baseline until \S+: inherited stack; fixes in SEC-42\)/g),
    ).toHaveLength(inherited);
    expect(run.stdout).toMatch(
      new RegExp(`^FAIL ${report.summary.violations} violations, ${inherited} inherited in `, "m"),
    );
    const sarif = JSON.parse(readFileSync(out("sarif"), "utf8"));
    const suppressed = sarif.runs[0].results.filter((r: { suppressions?: Array<{ justification: string }> }) =>
      r.suppressions?.some((s) => s.justification.startsWith("inherited: in the baseline until")),
    );
    expect(suppressed).toHaveLength(inherited);
    const markdown = readFileSync(out("md"), "utf8");
    expect(markdown).toMatch(/\| Guardrail \| Critical \| High \| Medium \| Low \| Waived \| Inherited \|/);
    expect(markdown.match(/_\(inherited: in the baseline until/g)).toHaveLength(inherited);
    expect(markdown).toMatch(/#### Stale baseline entries/);
    expect(readFileSync(out("xml"), "utf8").match(/<skipped message="inherited: in the baseline until/g)).toHaveLength(
      inherited,
    );
    expect(JSON.parse(readFileSync(out("gitlab"), "utf8"))).toHaveLength(report.summary.violations);
  });

  test("an expired or malformed baseline is exit 2 with one line", () => {
    const expired = join(work, "expired.json");
    writeFileSync(expired, JSON.stringify({ ...recorded, expires: "2020-01-31" }));
    expectOneLineError(runCli(["validate", unchanged, "--baseline", expired], { cwd: work }), /expired on 2020-01-31/);
    const noReason = join(work, "no-reason.json");
    const { reason: _reason, ...withoutReason } = recorded;
    writeFileSync(noReason, JSON.stringify(withoutReason));
    expectOneLineError(runCli(["validate", unchanged, "--baseline", noReason], { cwd: work }), /reason/);
    const badFingerprint = join(work, "bad-fingerprint.json");
    writeFileSync(
      badFingerprint,
      JSON.stringify({ ...recorded, findings: [{ ...recorded.findings[0], fingerprint: "abc" }] }),
    );
    expectOneLineError(
      runCli(["validate", unchanged, "--baseline", badFingerprint], { cwd: work }),
      /findings\.0\.fingerprint/,
    );
    const notJson = join(work, "not-json.json");
    writeFileSync(notJson, "{");
    expectOneLineError(runCli(["validate", unchanged, "--baseline", notJson], { cwd: work }), /is not valid JSON/);
    expectOneLineError(
      runCli(["validate", unchanged, "--baseline", join(work, "missing.json")], { cwd: work }),
      /ENOENT/,
    );
  });

  test("baseline write needs a reason and an expiry that has not passed", () => {
    const out = join(work, "never.json");
    const missing = runCli(["baseline", "write", unchanged, "-o", out, "--expires", NEXT_YEAR], { cwd: work });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--reason/);
    expectOneLineError(
      runCli(["baseline", "write", unchanged, "-o", out, "--reason", "r", "--expires", "2020-01-01"], { cwd: work }),
      /--expires 2020-01-01 is in the past/,
    );
    expectOneLineError(
      runCli(["baseline", "write", unchanged, "-o", out, "--reason", " ", "--expires", NEXT_YEAR], { cwd: work }),
      /--reason must say why/,
    );
    expectOneLineError(
      runCli(["baseline", "write", unchanged, "-o", out, "--reason", "r", "--expires", "2027-02-30"], { cwd: work }),
      /is not a date/,
    );
  });
});

describe("--changed-only", () => {
  test("text, Markdown and SARIF show only findings on what the plan changes; JSON and the exit code cover the plan", () => {
    const out = (name: string) => join(work, `changed.${name}`);
    const run = runCli(
      [
        "validate",
        regressions,
        "--changed-only",
        "-f",
        "sarif",
        "-o",
        out("sarif"),
        "-f",
        "markdown",
        "-o",
        out("md"),
        "-f",
        "json",
        "-o",
        out("json"),
        "-f",
        "text",
        "--compact",
      ],
      { cwd: work },
    );
    expect(run.status).toBe(1);
    const changed = changedIn(regressions);
    const whole: JsonReport = JSON.parse(readFileSync(out("json"), "utf8"));
    const plain = json(["validate", regressions]).report;
    expect(pairs(whole.violations)).toEqual(pairs(plain.violations));
    const shown = plain.violations.filter((f) => changed.has(f.address));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(plain.violations.length);
    expect(whole.review!.changedOnly).toEqual({
      changedResources: changed.size,
      hidden: plain.violations.length - shown.length,
      verdictCovers: "plan",
    });
    const sarif = JSON.parse(readFileSync(out("sarif"), "utf8"));
    const addresses = sarif.runs[0].results.map(
      (r: {
        logicalLocations?: unknown;
        locations: Array<{ logicalLocations: Array<{ fullyQualifiedName: string }> }>;
      }) => r.locations[0].logicalLocations[0].fullyQualifiedName,
    );
    expect(addresses.sort()).toEqual(shown.map((f) => f.address).sort());
    const lines = run.stdout.split("\n").filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW) /.test(l));
    expect(lines).toHaveLength(shown.length);
    expect(run.stdout).not.toMatch(/valid_unchanged|invalid_rotation_key_table|invalid_disabled_key_table/);
    expect(run.stdout).toMatch(/DDB-REC-003/);
    expect(run.stdout).toContain(
      `--changed-only: ${plain.violations.length - shown.length} findings on resources this plan does not change are not shown`,
    );
    expect(readFileSync(out("md"), "utf8")).toMatch(
      /> \*\*Note:\*\* --changed-only: \d+ findings on resources this plan does not change/,
    );
  });

  test("findings on unchanged resources still fail the plan, unless --fail-on-changed-only", () => {
    const all = runCli(["validate", unchanged, "--changed-only"], { cwd: work });
    expect(all.status).toBe(1);
    expect(all.stdout).not.toMatch(/^(CRITICAL|HIGH|MEDIUM|LOW) /m);
    const changedOnly = runCli(["validate", unchanged, "--changed-only", "--fail-on-changed-only"], { cwd: work });
    expect(changedOnly.status).toBe(0);
    expect(changedOnly.stdout).toMatch(/the verdict covers only the findings shown/);
    const regressionsOnly = json(["validate", regressions, "--changed-only", "--fail-on-changed-only"]);
    expect(regressionsOnly.status).toBe(1);
    expect(regressionsOnly.report.summary.passed).toBe(false);
  });

  test("--fail-on-changed-only alone, and reviews of several plans at once, are usage errors", () => {
    expectOneLineError(
      runCli(["validate", unchanged, "--fail-on-changed-only"], { cwd: work }),
      /--fail-on-changed-only needs --changed-only/,
    );
    expectOneLineError(
      runCli(["validate", unchanged, regressions, "--changed-only"], { cwd: work }),
      /review one plan; 2 were given/,
    );
  });
});
