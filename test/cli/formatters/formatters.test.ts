// Golden files for every formatter × case. Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npx jest test/cli/formatters      (then review the diff)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { formatters, plainStyle, type FormatContext, type FormatName } from "../../../src/cli/formatters";
import { fingerprint } from "../../../src/cli/formatters/sarif";
import { SEVERITIES, type Finding, type Report, type Rule, type Severity } from "../../../src/engine/types";
import "./sarif-matcher";

const GOLDEN = join(__dirname, "__golden__");
const EXTENSION: Record<FormatName, string> = {
  text: "txt",
  json: "json",
  sarif: "sarif",
  junit: "xml",
  markdown: "md",
  gitlab: "json",
};
const catalog: Rule[] = JSON.parse(readFileSync(join(__dirname, "catalog.json"), "utf8")).rules;

const finding = (f: Partial<Finding> & Pick<Finding, "rule" | "address" | "message">): Finding => {
  const rule = catalog.find((r) => r.id === f.rule)!;
  return { guardrail: rule.guardrail, severity: rule.severity, remediation: rule.remediation, evidence: [], ...f };
};

const report = (violations: Finding[], extra: Partial<Report> = {}): Report => ({
  tool: { name: "ddb-guardrails", version: "0.0.0-test" },
  bundle: { version: "0.0.0-test", sha256: "0".repeat(64) },
  rules: catalog.map((r) => ({ id: r.id, version: r.version })),
  summary: {
    resources: 4,
    violations: violations.filter((f) => !f.waived).length,
    waived: violations.filter((f) => f.waived).length,
    failOn: "low",
    passed: violations.every((f) => f.waived),
  },
  violations,
  ...extra,
});

const context: FormatContext = {
  locations: new Map([
    ["aws_dynamodb_table.carts", { file: "infra/main.tf", line: 12 }],
    [
      'module.app.aws_iam_role_policy.reader["eu"]',
      { constructPath: "snowy-sessions/Reader/Policy", file: "main.ts", line: 40 },
    ],
  ]),
  fallbackFile: "plan.json",
  plan: "plan.json",
  ruleDocUrl: (id) => `https://example.test/ddb-guardrails/blob/v0.0.0-test/docs/rules.md#${id.toLowerCase()}`,
};

const FINDINGS = [
  finding({
    rule: "DDB-ENC-001",
    address: "aws_dynamodb_table.carts",
    message: "table is encrypted with an AWS-owned key (no server_side_encryption block)",
    evidence: ["server_side_encryption: no block in the configuration"],
  }),
  finding({
    rule: "DDB-ENC-001-UNPROVABLE",
    address: "aws_dynamodb_table.sessions",
    message: "kms_key_arn cannot be followed before apply: var.key_arn (not resolvable from the plan)",
    evidence: ["server_side_encryption[0].kms_key_arn <- var.key_arn (not resolvable from the plan)"],
  }),
  finding({
    rule: "DDB-FGAC-002",
    address: 'module.app.aws_iam_role_policy.reader["eu"]',
    message: 'allows dynamodb:Scan via "dynamodb:S*" on <table> & friends',
    evidence: ['Statement[0].Action = "dynamodb:S*"'],
    witness: {
      principal: { arn: "arn:aws:iam::111122223333:role/tenant-api", account: "111122223333", type: "AWS" },
      action: "dynamodb:Scan",
      resource: "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions",
      context: { "dynamodb:Select": "ALL_ATTRIBUTES" },
    },
  }),
];

/** The report of --fail-on <failOn>: findings below it do not fail the run. */
const judgedAt = (failOn: Severity, base: Report): Report => {
  const threshold = SEVERITIES.indexOf(failOn);
  const passed = base.violations.every((f) => f.waived || SEVERITIES.indexOf(f.severity) > threshold);
  return { ...base, summary: { ...base.summary, failOn, passed } };
};

const FGAC = catalog.filter((r) => r.guardrail === "fgac");

const CASES: Record<string, Report> = {
  "no-findings": report([]),
  // --skip-rules fgac on a plan whose only finding is fgac's: a PASS that must say the rule set was partial
  "partial-rule-set": report([], {
    rules: catalog.filter((r) => r.guardrail !== "fgac").map((r) => ({ id: r.id, version: r.version })),
    skippedRules: FGAC.map((r) => r.id),
  }),
  findings: report(FINDINGS),
  // --fail-on critical with only high findings: a PASS that must say why
  "below-fail-on": judgedAt("critical", report(FINDINGS)),
  // --fail-on high with a high and a low finding: the verdict counts what fails and what does not
  "partly-below-fail-on": judgedAt("high", report([FINDINGS[0], { ...FINDINGS[2], severity: "low" }])),
  // Waived findings, an expiry note, and text that XML and Markdown must escape.
  "waived-and-notes": report(
    [
      finding({
        rule: "DDB-ENC-001",
        address: 'aws_dynamodb_table.t["a`b|c"]',
        message: 'table uses <aws/dynamodb> & "quotes" and a control char \u0007 and ünïcödé',
        waived: { reason: "migration ticket OPS-12 <until key rollout>", expires: "2099-12-31" },
      }),
      finding({
        rule: "DDB-FGAC-002",
        address: "aws_iam_policy.ops",
        message: "allows dynamodb:Scan",
        severity: "low",
      }),
    ],
    {
      notes: [
        "waiver for DDB-FGAC-002 on aws_iam_policy.* expired on 2020-01-01; aws_iam_policy.ops is reported again",
      ],
    },
  ),
};

describe.each(Object.keys(CASES))("formatters on the %s case", (name) => {
  test.each(Object.keys(formatters) as FormatName[])("%s matches its golden file", (format) => {
    const out = formatters[format](CASES[name], catalog, plainStyle, context);
    const file = join(GOLDEN, `${format}-${name}.${EXTENSION[format]}`);
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, out);
    expect(out).toBe(readFileSync(file, "utf8"));
  });

  test("SARIF validates against the SARIF 2.1.0 schema", () => {
    expect(JSON.parse(formatters.sarif(CASES[name], catalog, plainStyle, context))).toBeValidSarifLog();
  });

  test("JUnit is well-formed XML with one failing testcase per unwaived finding", () => {
    const xml = formatters.junit(CASES[name], catalog, plainStyle, context);
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (tag) => ["testsuite", "testcase"].includes(tag),
    }).parse(xml);
    const cases = parsed.testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase);
    expect(cases.filter((c: { failure?: unknown }) => c.failure)).toHaveLength(CASES[name].summary.violations);
    expect(Number(parsed.testsuites["@_failures"])).toBe(CASES[name].summary.violations);
    // attribute values come back exactly as given: escaping lost nothing
    for (const f of CASES[name].violations) {
      expect(cases.some((c: Record<string, string>) => c["@_name"] === f.address.replace(/\u0007/g, "\uFFFD"))).toBe(
        true,
      );
    }
  });
});

describe("text details", () => {
  test("each finding's fix is indented under it; --compact keeps one line per finding", () => {
    const full = formatters.text(CASES.findings, catalog, plainStyle, context).split("\n");
    const carts = full.findIndex((l) => l.includes("aws_dynamodb_table.carts"));
    expect(full[carts + 1]).toBe(`         fix: ${catalog.find((r) => r.id === "DDB-ENC-001")!.remediation}`);
    const compact = formatters.text(CASES.findings, catalog, plainStyle, { ...context, compact: true }).split("\n");
    expect(compact.filter((l) => l.includes("fix:"))).toEqual([]);
    expect(compact.filter(Boolean)).toHaveLength(CASES.findings.violations.length + 1);
  });

  test("a PASS with findings below --fail-on says so, in text and Markdown", () => {
    const verdict = formatters.text(CASES["below-fail-on"], catalog, plainStyle, context).trim().split("\n").pop();
    expect(verdict).toMatch(/^PASS \(no finding at or above critical; 3 below\) in 4 resources /);
    expect(formatters.markdown(CASES["below-fail-on"], catalog, plainStyle, context)).toContain(
      "✅ passed (no finding at or above critical; 3 below) in 4 resources",
    );
    const partly = formatters
      .text(CASES["partly-below-fail-on"], catalog, plainStyle, context)
      .trim()
      .split("\n")
      .pop();
    expect(partly).toMatch(/^FAIL \(1 violation at or above high; 1 below\) in 4 resources /);
  });
});

describe("a partial rule set is never a plain PASS", () => {
  const partial = CASES["partial-rule-set"];
  const ran = catalog.length - FGAC.length;
  const coverage = `${ran} of ${catalog.length} rules; fgac skipped`;

  test("text and Markdown state how many rules ran and which were skipped", () => {
    const verdict = formatters.text(partial, catalog, plainStyle, context).trim().split("\n").pop();
    expect(verdict?.startsWith(`PASS (${coverage}) `)).toBe(true);
    expect(formatters.markdown(partial, catalog, plainStyle, context)).toContain(`**Partial rule set:** ${coverage}`);
  });

  test("a guardrail skipped in part is named by rule id", () => {
    const one = "DDB-ENC-001"; // DDB-ENC-001-UNPROVABLE, of the same guardrail, still ran
    const report1 = { ...partial, rules: catalog.filter((r) => r.id !== one), skippedRules: [one] };
    expect(formatters.text(report1, catalog, plainStyle, context)).toContain(
      `PASS (${catalog.length - 1} of ${catalog.length} rules; ${one} skipped) `,
    );
  });

  test("JSON lists the skipped rules; SARIF disables them for the run and says so", () => {
    expect(JSON.parse(formatters.json(partial, catalog, plainStyle, context)).skippedRules).toEqual(
      FGAC.map((r) => r.id),
    );
    const run = JSON.parse(formatters.sarif(partial, catalog, plainStyle, context)).runs[0];
    expect(
      run.invocations[0].ruleConfigurationOverrides.map((o: { descriptor: { id: string } }) => o.descriptor.id),
    ).toEqual(FGAC.map((r) => r.id));
    expect(run.invocations[0].toolConfigurationNotifications[0].message.text).toBe(`Partial rule set: ${coverage}`);
    expect(run.properties.skippedRules).toEqual(FGAC.map((r) => r.id));
  });

  test("JUnit reports each skipped rule as a skipped testcase, GitLab as an info issue", () => {
    const xml = formatters.junit(partial, catalog, plainStyle, context);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (tag) => ["testsuite", "testcase"].includes(tag),
    }).parse(xml);
    expect(Number(parsed.testsuites["@_skipped"])).toBe(FGAC.length);
    expect(parsed.testsuites["@_name"]).toContain(coverage);
    const issues = JSON.parse(formatters.gitlab(partial, catalog, plainStyle, context));
    expect(issues).toEqual([
      expect.objectContaining({ severity: "info", check_name: "ddb-guardrails-partial-rule-set" }),
    ]);
  });

  test("with every rule run nothing is added", () => {
    expect(formatters.text(CASES["no-findings"], catalog, plainStyle, context)).not.toMatch(/rules;|skipped/);
    expect(
      JSON.parse(formatters.json(CASES["no-findings"], catalog, plainStyle, context)).skippedRules,
    ).toBeUndefined();
  });
});

describe("GitLab Code Quality details", () => {
  test("an issue per unwaived finding, with the fields GitLab reads", () => {
    for (const name of Object.keys(CASES)) {
      const issues = JSON.parse(formatters.gitlab(CASES[name], catalog, plainStyle, context));
      expect(issues).toHaveLength(CASES[name].summary.violations + (CASES[name].skippedRules ? 1 : 0));
      for (const issue of issues) {
        expect(Object.keys(issue).sort()).toEqual(["check_name", "description", "fingerprint", "location", "severity"]);
        expect(["info", "minor", "major", "critical", "blocker"]).toContain(issue.severity);
        expect(typeof issue.location.path).toBe("string");
        expect(Number.isInteger(issue.location.lines.begin)).toBe(true);
      }
    }
    const issues = JSON.parse(formatters.gitlab(CASES.findings, catalog, plainStyle, context));
    expect(issues[0]).toMatchObject({
      check_name: "DDB-ENC-001",
      location: { path: "infra/main.tf", lines: { begin: 12 } },
    });
    expect(issues[1].location).toEqual({ path: "plan.json", lines: { begin: 1 } }); // no known source
    // the plan is part of the fingerprint: GitLab shows one issue per fingerprint across a monorepo's stacks
    const elsewhere = JSON.parse(
      formatters.gitlab(CASES.findings, catalog, plainStyle, { ...context, plan: "stacks/billing/plan.json" }),
    );
    expect(elsewhere[0].fingerprint).not.toBe(issues[0].fingerprint);
    expect(JSON.parse(formatters.gitlab(CASES.findings, catalog, plainStyle, context))[0].fingerprint).toBe(
      issues[0].fingerprint,
    );
  });
});

describe("SARIF details", () => {
  test("the schema check is live: a log without a tool is refused", () => {
    expect({ version: "2.1.0", runs: [{ results: [] }] }).not.toBeValidSarifLog();
  });

  const log = JSON.parse(formatters.sarif(CASES.findings, catalog, plainStyle, context));
  const run = log.runs[0];

  test("one rule entry per catalog rule, with security-severity, help and a link to its docs", () => {
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(catalog.map((r) => r.id).sort());
    const enc = run.tool.driver.rules.find((r: { id: string }) => r.id === "DDB-ENC-001");
    expect(enc.properties["security-severity"]).toBe("8.0");
    expect(enc.help.text).toContain(catalog[0].remediation);
    expect(enc.helpUri).toMatch(/docs\/rules\.md#ddb-enc-001$/);
  });

  test("results carry the file and line, the address as a logical location, the construct path, and a stable fingerprint", () => {
    const carts = run.results.find(
      (r: { locations: Array<{ logicalLocations: Array<{ fullyQualifiedName: string }> }> }) =>
        r.locations[0].logicalLocations[0].fullyQualifiedName === "aws_dynamodb_table.carts",
    );
    expect(carts.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "infra/main.tf", uriBaseId: "%SRCROOT%" },
      region: { startLine: 12 },
    });
    expect(carts.partialFingerprints["ddbGuardrails/v1"]).toBe(fingerprint("DDB-ENC-001", "aws_dynamodb_table.carts"));
    expect(fingerprint("DDB-ENC-001", "aws_dynamodb_table.carts")).not.toBe(
      fingerprint("DDB-ENC-001", "aws_dynamodb_table.cart"),
    );
    const reader = run.results.find((r: { ruleId: string }) => r.ruleId === "DDB-FGAC-002");
    expect(reader.locations[0].logicalLocations[1]).toEqual({
      fullyQualifiedName: "snowy-sessions/Reader/Policy",
      kind: "module",
    });
    // no known source: the plan file stands in, without a line
    const sessions = run.results.find((r: { ruleId: string }) => r.ruleId === "DDB-ENC-001-UNPROVABLE");
    expect(sessions.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "plan.json", uriBaseId: "%SRCROOT%" },
    });
  });

  test("waived findings are suppressions with their reason", () => {
    const waived = JSON.parse(formatters.sarif(CASES["waived-and-notes"], catalog, plainStyle, context)).runs[0]
      .results[0];
    expect(waived.suppressions).toEqual([
      {
        kind: "external",
        status: "accepted",
        justification: "migration ticket OPS-12 <until key rollout> (waived until 2099-12-31)",
      },
    ]);
  });
});
