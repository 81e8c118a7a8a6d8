import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyConfig, loadConfig, parseConfig } from "../../src/engine/config/config";
import type { Finding } from "../../src/engine/types";
import schema from "../../src/engine/config/config-schema.json";
import { ROOT, fixturePlan, runCli } from "../helpers/paths";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-config-"));
let files = 0;
function configFile(text: string, ext = "yml"): string {
  const file = join(work, `config-${++files}.${ext}`);
  writeFileSync(file, text);
  return file;
}

const finding = (address: string, rule = "DDB-ENC-001"): Finding => ({
  rule,
  guardrail: "encryption",
  severity: "high",
  address,
  message: "m",
  remediation: "r",
  evidence: [],
});

describe("loading the project config", () => {
  test("reads parameters, severity overrides and waivers from YAML, with unquoted dates kept as text", () => {
    const config = loadConfig(
      configFile(`
parameters:
  allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/abc"]
severity:
  DDB-ENC-001: medium
waivers:
  - rule: DDB-ENC-001
    address: module.legacy.aws_dynamodb_table.*
    reason: legacy tables move to the new key in OPS-42
    expires: 2030-06-30
`),
    );
    expect(config.parameters).toEqual({ allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/abc"] });
    expect(config.severity).toEqual({ "DDB-ENC-001": "medium" });
    expect(config.waivers).toEqual([
      {
        rule: "DDB-ENC-001",
        address: "module.legacy.aws_dynamodb_table.*",
        reason: "legacy tables move to the new key in OPS-42",
        expires: "2030-06-30",
      },
    ]);
  });

  test("reads the same from JSON", () => {
    const config = loadConfig(
      configFile(
        JSON.stringify({ waivers: [{ rule: "DDB-ENC-001", address: "x.y", reason: "r", expires: "2030-01-01" }] }),
        "json",
      ),
    );
    expect(config.waivers).toHaveLength(1);
  });

  test.each([
    [
      "a waiver without a reason",
      `waivers: [{rule: DDB-ENC-001, address: x.y, expires: 2030-01-01}]`,
      /waivers\.0: must have required property 'reason' \(every waiver needs a reason\)/,
    ],
    [
      "a waiver with a blank reason",
      `waivers: [{rule: DDB-ENC-001, address: x.y, reason: "  ", expires: 2030-01-01}]`,
      /waivers\.0\.reason: .*every waiver needs a reason/,
    ],
    [
      "a waiver without an expiry",
      `waivers: [{rule: DDB-ENC-001, address: x.y, reason: r}]`,
      /waivers\.0: must have required property 'expires'/,
    ],
    [
      "a malformed expiry",
      `waivers: [{rule: DDB-ENC-001, address: x.y, reason: r, expires: 30/06/2030}]`,
      /waivers\.0\.expires: must match pattern/,
    ],
    [
      "an impossible date",
      `waivers: [{rule: DDB-ENC-001, address: x.y, reason: r, expires: 2030-02-30}]`,
      /waivers\.0\.expires: "2030-02-30" is not a date/,
    ],
    ["an unknown key (a typo)", `waiver: []`, /unknown key "waiver"/],
    [
      "an unknown severity",
      `severity: {DDB-ENC-001: severe}`,
      /severity\.DDB-ENC-001: must be equal to one of the allowed values/,
    ],
    ["invalid YAML", `waivers: [`, /is not valid YAML/],
  ])("refuses %s", (_name, text, message) => {
    expect(() => loadConfig(configFile(text))).toThrow(message);
  });

  test("an empty file is an empty config", () => {
    expect(loadConfig(configFile(""))).toMatchObject({ parameters: {}, severity: {}, waivers: [] });
  });
});

describe("applying waivers and severity overrides", () => {
  const now = new Date("2026-06-15T12:00:00Z");
  const waiver = (address: string, expires: string, rule = "DDB-ENC-001") => ({
    rule,
    address,
    reason: "accepted",
    expires,
  });

  test("a glob waives matching addresses of its rule only, through its expiry day", () => {
    const config = parseConfig({ waivers: [waiver("module.legacy.aws_dynamodb_table.*", "2026-06-15")] });
    const { findings, notes } = applyConfig(
      [
        finding("module.legacy.aws_dynamodb_table.a"),
        finding("aws_dynamodb_table.a"),
        finding("module.legacy.aws_dynamodb_table.b", "DDB-FGAC-002"),
      ],
      config,
      now,
    );
    expect(findings.map((f) => Boolean(f.waived))).toEqual([true, false, false]);
    expect(findings[0].waived).toEqual({ reason: "accepted", expires: "2026-06-15" });
    expect(notes).toEqual([]);
  });

  test("an exact address with brackets matches itself", () => {
    const config = parseConfig({ waivers: [waiver('aws_dynamodb_table.t["eu"]', "2030-01-01")] });
    expect(
      applyConfig(
        [finding('aws_dynamodb_table.t["eu"]'), finding('aws_dynamodb_table.t["us"]')],
        config,
        now,
      ).findings.map((f) => Boolean(f.waived)),
    ).toEqual([true, false]);
  });

  test("an expired waiver stops waiving and says so", () => {
    const config = parseConfig({ waivers: [waiver("aws_dynamodb_table.*", "2026-06-14")] });
    const { findings, notes } = applyConfig([finding("aws_dynamodb_table.a")], config, now);
    expect(findings[0].waived).toBeUndefined();
    expect(notes).toEqual([
      "waiver for DDB-ENC-001 on aws_dynamodb_table.* expired on 2026-06-14; aws_dynamodb_table.a is reported again",
    ]);
  });

  test("a waiver that matches no finding is reported as such", () => {
    const config = parseConfig({
      waivers: [waiver("aws_dynamodb_table.legacy_*", "2030-01-01"), waiver("aws_dynamodb_table.a", "2030-01-01")],
    });
    const { findings, notes } = applyConfig([finding("aws_dynamodb_table.a")], config, now);
    expect(findings[0].waived).toBeDefined();
    expect(notes).toEqual([
      "waiver for DDB-ENC-001 on aws_dynamodb_table.legacy_* matches no finding; it waives nothing",
    ]);
  });

  test("severity overrides replace the rule's severity", () => {
    const config = parseConfig({ severity: { "DDB-ENC-001": "low" } });
    expect(
      applyConfig([finding("a.b"), finding("a.b", "DDB-FGAC-002")], config, now).findings.map((f) => f.severity),
    ).toEqual(["low", "high"]);
  });
});

describe("the CLI with a project config", () => {
  const today = new Date().toISOString().slice(0, 10);
  const future = `${new Date().getUTCFullYear() + 5}-01-01`;

  test("a waived finding stays in the report, marked waived, and the run passes", () => {
    const config = configFile(
      `waivers:\n  - {rule: DDB-ENC-001, address: "aws_dynamodb_table.invalid_*", reason: "tracked in OPS-7", expires: ${future}}\n`,
    );
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--config", config, "--format", "json"]);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ violations: 0, waived: 1, passed: true });
    expect(report.violations[0].waived).toEqual({ reason: "tracked in OPS-7", expires: future });
  });

  test("an expired waiver fails the run again and a note on stderr says why", () => {
    const config = configFile(
      `waivers:\n  - {rule: DDB-ENC-001, address: "aws_dynamodb_table.*", reason: "old", expires: 2020-01-01}\n`,
    );
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--config", config, "--format", "json"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^ddb-guardrails: note: waiver for DDB-ENC-001 on aws_dynamodb_table\.\* expired on 2020-01-01/m,
    );
    expect(JSON.parse(run.stdout).notes).toHaveLength(1);
    expect(runCli(["validate", fixturePlan("table-unencrypted"), "--config", config, "--quiet"]).stderr).toBe("");
  });

  test("a waiver whose address matches nothing in the plan is a note on stderr and in the JSON report", () => {
    const config = configFile(
      `waivers:\n  - {rule: DDB-ENC-001, address: "aws_dynamodb_table.sessions", reason: "typo", expires: ${future}}\n`,
    );
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--config", config, "--format", "json"]);
    expect(run.status).toBe(1); // it waived nothing
    expect(run.stderr).toMatch(
      /^ddb-guardrails: note: waiver for DDB-ENC-001 on aws_dynamodb_table\.sessions matches no finding; it waives nothing$/m,
    );
    expect(JSON.parse(run.stdout).notes).toEqual([
      "waiver for DDB-ENC-001 on aws_dynamodb_table.sessions matches no finding; it waives nothing",
    ]);
  });

  test("a waiver expiring today still waives", () => {
    const config = configFile(
      `waivers:\n  - {rule: DDB-ENC-001, address: "aws_dynamodb_table.*", reason: "last day", expires: ${today}}\n`,
    );
    expect(runCli(["validate", fixturePlan("table-unencrypted"), "--config", config]).status).toBe(0);
  });

  test.each([
    [
      "a waiver without a reason",
      `waivers: [{rule: DDB-ENC-001, address: x.y, expires: 2030-01-01}]`,
      /needs a reason/,
    ],
    [
      "a malformed expiry date",
      `waivers: [{rule: DDB-ENC-001, address: x.y, reason: r, expires: "next year"}]`,
      /expires/,
    ],
    [
      "a waiver for a rule that does not exist",
      `waivers: [{rule: DDB-ENC-999, address: x.y, reason: r, expires: 2030-01-01}]`,
      /unknown rule id "DDB-ENC-999"/,
    ],
    [
      "a severity override for a rule that does not exist",
      `severity: {DDB-NOPE-1: low}`,
      /unknown rule id "DDB-NOPE-1"/,
    ],
  ])("exits 2 with one line on %s", (_name, text, message) => {
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--config", configFile(text)]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  test("a missing --config file is an error, not an empty config", () => {
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--config", join(work, "nope.yml")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/nope\.yml: cannot read: ENOENT/);
  });

  test(".ddb-guardrails.yml in the working directory is picked up without --config", () => {
    const dir = mkdtempSync(join(work, "cwd-"));
    writeFileSync(join(dir, ".ddb-guardrails.yml"), `severity:\n  DDB-ENC-001: low\n`);
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--format", "json", "--fail-on", "medium"], {
      cwd: dir,
    });
    expect(JSON.parse(run.stdout).violations[0].severity).toBe("low");
    expect(run.status).toBe(0);
  });

  test("parameters reach the policies: with no accepted principal variable, scoped policies are flagged too", () => {
    const plan = fixturePlan("fgac-leading-keys");
    const flagged = (args: string[]) =>
      JSON.parse(runCli(["validate", plan, "--format", "json", ...args]).stdout).violations.map(
        (v: { address: string }) => v.address,
      );
    expect(flagged([]).filter((a: string) => /valid_scoped/.test(a))).toEqual([]);
    const strict = configFile(`parameters:\n  principal_variables: ["nobody:none"]\n`);
    expect(flagged(["--config", strict]).filter((a: string) => /valid_scoped/.test(a)).length).toBeGreaterThan(0);
  });
});

describe("config that would silently weaken a guardrail (issue 12, class 9)", () => {
  const now = new Date("2026-06-15T12:00:00Z");
  const waiver = (fields: Record<string, unknown>) => ({
    rule: "DDB-ENC-001",
    address: "aws_dynamodb_table.a",
    reason: "accepted",
    expires: "2026-12-31",
    ...fields,
  });

  test("every parameter of policies/lib/params.rego is in the schema, and only those", () => {
    const rego = readFileSync(join(ROOT, "policies", "lib", "params.rego"), "utf8");
    const defaults = [...rego.slice(rego.indexOf("defaults := {")).matchAll(/^\t"([a-z_]+)":/gm)].map((m) => m[1]);
    expect(defaults.length).toBeGreaterThan(2);
    expect(Object.keys(schema.properties.parameters.properties).sort()).toEqual(defaults.sort());
  });

  test.each([
    [
      "a misspelt parameter (allowed_key_arn)",
      { allowed_key_arn: ["arn:aws:kms:eu-west-1:111122223333:key/a"] },
      /parameters: unknown key "allowed_key_arn"/,
    ],
    [
      "a parameter of the wrong type",
      { allowed_key_arns: "arn:aws:kms:eu-west-1:111122223333:key/a" },
      /parameters\.allowed_key_arns: must be array/,
    ],
    [
      "a list item of the wrong type",
      { protected_attributes: ["isAdmin", 3] },
      /parameters\.protected_attributes\.1: must be string/,
    ],
    [
      "allowed_key_arns of *",
      { allowed_key_arns: ["*"] },
      /parameters\.allowed_key_arns\.0: "\*" would accept keys of any account/,
    ],
    [
      "allowed_key_arns of arn:aws:kms:*",
      { allowed_key_arns: ["arn:aws:kms:*"] },
      /allowed_key_arns\.0: "arn:aws:kms:\*" would accept keys of any account/,
    ],
    [
      "allowed_key_arns of any account",
      { allowed_key_arns: ["arn:aws:kms:eu-west-1:*:key/*"] },
      /would accept keys of any account/,
    ],
    [
      "an empty protected_attributes",
      { protected_attributes: [] },
      /parameters\.protected_attributes: an empty list protects no attribute/,
    ],
    [
      "* as a principal variable",
      { principal_variables: ["aws:username", "*"] },
      /parameters\.principal_variables\.1: "\*" matches aws:SourceIp, which does not identify the caller/,
    ],
    ["aws:* as a principal variable", { principal_variables: ["aws:*"] }, /"aws:\*" matches aws:SourceIp/],
    [
      "a request tag as a principal variable",
      { principal_variables: ["aws:RequestTag/*"] },
      /matches aws:RequestTag\/tenant/,
    ],
    [
      "a glob class in a principal variable",
      { principal_variables: ["aws:user[a-z]ame"] },
      /only \* and \? are allowed/,
    ],
  ])("refuses %s, naming the key", (_case, parameters, message) => {
    expect(() => parseConfig({ parameters }, "cfg.yml", now)).toThrow(message);
  });

  test("values that keep the guardrail on are accepted", () => {
    const parameters = {
      allowed_key_arns: ["arn:aws:kms:eu-west-1:111122223333:key/abc", "arn:aws:kms:*:111122223333:alias/team-*"],
      protected_attributes: ["isAdmin", "role"],
      principal_variables: ["aws:username", "aws:PrincipalTag/*", "cognito-identity.amazonaws.com:sub"],
    };
    expect(parseConfig({ parameters }, "cfg.yml", now).parameters).toEqual(parameters);
    expect(parseConfig({ parameters: { principal_variables: [] } }, "cfg.yml", now).parameters).toEqual({
      principal_variables: [],
    });
  });

  test.each([["**"], ["*"], ["*.*"]])("a waiver on %s needs scope: all and an expiry within a year", (address) => {
    expect(() => parseConfig({ waivers: [waiver({ address })] }, "cfg.yml", now)).toThrow(
      `waivers.0: address "${address}" matches every resource; add scope: all`,
    );
    expect(() =>
      parseConfig({ waivers: [waiver({ address, scope: "all", expires: "2027-06-16" })] }, "cfg.yml", now),
    ).toThrow(/waivers\.0: a waiver of scope all must expire within a year \(by 2027-06-15\), not 2027-06-16/);
    expect(
      parseConfig({ waivers: [waiver({ address, scope: "all", expires: "2027-06-15" })] }, "cfg.yml", now).waivers,
    ).toHaveLength(1);
  });

  test("a waiver on a narrower glob needs no scope", () => {
    expect(
      parseConfig({ waivers: [waiver({ address: "module.legacy.**", expires: "2030-01-01" })] }, "cfg.yml", now)
        .waivers,
    ).toHaveLength(1);
  });

  test.each([
    ["{aws_*,module.**}"],
    ["!(data.*)"],
    ["@(aws_*|module.*|data.*)"],
    ["aws_dynamodb_table.?(x)*"],
    ["\\*"],
  ])("a waiver address %s with glob syntax beyond * is refused, naming the waiver", (address) => {
    expect(() => parseConfig({ waivers: [waiver({}), waiver({ address, scope: "all" })] }, "cfg.yml", now)).toThrow(
      /^config cfg\.yml: waivers\.1: address ".+" uses glob syntax other than \* \(".+"\); only \* and \*\* are wildcards/,
    );
  });

  test("breadth is judged by what * matches: *_* covers every address shape, so it needs scope: all", () => {
    expect(() => parseConfig({ waivers: [waiver({ address: "*_*" })] }, "cfg.yml", now)).toThrow(
      'waivers.0: address "*_*" matches every resource; add scope: all',
    );
  });

  test("brackets and quotes in a waiver address are literal; * inside them matches every instance", () => {
    const config = parseConfig({ waivers: [waiver({ address: "aws_dynamodb_table.t[*]", expires: "2030-01-01" })] });
    expect(
      applyConfig(
        [finding('aws_dynamodb_table.t["eu"]'), finding("aws_dynamodb_table.t[0]"), finding("aws_dynamodb_table.t2")],
        config,
        now,
      ).findings.map((f) => Boolean(f.waived)),
    ).toEqual([true, true, false]);
  });

  test("an exact address is taken literally whatever it contains, and matches only itself", () => {
    const address = 'aws_dynamodb_table.t["a{b}!(c)"]';
    const config = parseConfig({ waivers: [waiver({ address, expires: "2030-01-01" })] });
    expect(
      applyConfig([finding(address), finding('aws_dynamodb_table.t["abc"]')], config, now).findings.map((f) =>
        Boolean(f.waived),
      ),
    ).toEqual([true, false]);
  });

  test("a waiver with a brace glob through the CLI is exit 2 with one line naming it", () => {
    const run = runCli([
      "validate",
      fixturePlan("table-unencrypted"),
      "--config",
      configFile(
        `waivers:\n  - rule: DDB-ENC-001\n    address: "{aws_*,module.**}"\n    reason: x\n    expires: 2027-01-01\n`,
      ),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/waivers\.0: address "\{aws_\*,module\.\*\*\}" uses glob syntax other than \*/);
  });

  test("an override that lowers a finding below --fail-on marks it; one that stays at or above does not", () => {
    const config = parseConfig({ severity: { "DDB-ENC-001": "low", "DDB-FGAC-002": "medium" } }, "cfg.yml", now);
    const findings = applyConfig([finding("a.b"), finding("a.b", "DDB-FGAC-002")], config, now, "medium").findings;
    expect(findings.map((f) => f.lowered)).toEqual([{ from: "high", by: "cfg.yml" }, undefined]);
  });

  test("the CLI lists a finding lowered below --fail-on in every format, as it lists waived ones", () => {
    const config = configFile(`severity:\n  DDB-ENC-001: low\n`);
    const run = (format: string) =>
      runCli(["validate", fixturePlan("table-unencrypted"), "--config", config, "--fail-on", "medium", "-f", format]);
    const note = `severity lowered from high by ${config}, below --fail-on`;
    const text = run("text");
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`(${note})`);
    expect(JSON.parse(run("json").stdout).violations[0].lowered).toEqual({ from: "high", by: config });
    expect(run("markdown").stdout).toContain(note.replace(/_/g, "\\_"));
    expect(run("junit").stdout).toContain(`<skipped message="${note}"/>`);
    expect(JSON.parse(run("sarif").stdout).runs[0].results[0].suppressions).toEqual([
      { kind: "external", status: "accepted", justification: note },
    ]);
  });

  test("--rules and --skip-rules that leave nothing to evaluate exit 2, never PASS", () => {
    const run = runCli([
      "validate",
      fixturePlan("table-unencrypted"),
      "--rules",
      "encryption",
      "--skip-rules",
      "encryption",
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe(
      "ddb-guardrails: error: --rules and --skip-rules leave no rule to evaluate: nothing to check",
    );
    const all = runCli([
      "validate",
      fixturePlan("table-unencrypted"),
      "--skip-rules",
      "encryption,endpoint,fgac,recovery,audit",
    ]);
    expect(all.status).toBe(2);
    expect(all.stderr).toMatch(/nothing to check/);
  });

  test("a weakening config through the CLI is exit 2 with one line naming the key", () => {
    const run = runCli([
      "validate",
      fixturePlan("table-unencrypted"),
      "--config",
      configFile(`parameters:\n  allowed_key_arn: ["arn:aws:kms:eu-west-1:111122223333:key/a"]\n`),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/parameters: unknown key "allowed_key_arn"/);
  });
});
