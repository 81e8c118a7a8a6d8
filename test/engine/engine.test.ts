import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GuardrailsError, loadBundle, parsePlan, readPlan, validatePlan } from "../../src/engine";
import { fixturePlan } from "../helpers/paths";

const bundle = loadBundle();
const addressesAndRules = (name: string) =>
  validatePlan(readPlan(fixturePlan(name)), { bundle }).violations.map((f) => [f.address, f.rule]);

describe("validatePlan on real plans", () => {
  test("a table without an encryption block is flagged as using an AWS-owned key", () => {
    expect(addressesAndRules("table-unencrypted")).toEqual([
      ["aws_dynamodb_table.invalid_aws_owned_key", "DDB-ENC-001"],
    ]);
  });

  test("tables on the AWS-managed key are flagged, by omission and by alias", () => {
    expect(addressesAndRules("table-aws-managed-key")).toEqual([
      ["aws_dynamodb_table.invalid_aws_managed_alias", "DDB-ENC-001"],
      ["aws_dynamodb_table.invalid_no_key_arn", "DDB-ENC-001"],
    ]);
  });

  test("a key created in the same plan (ARN unknown until apply) and a literal key ARN pass", () => {
    const report = validatePlan(readPlan(fixturePlan("table-cmk-same-plan")), { bundle });
    expect(report.violations).toEqual([]);
    expect(report.summary).toEqual({ resources: 12, violations: 0, waived: 0, failOn: "low", passed: true });
  });

  test("each finding follows the JSON contract", () => {
    const [finding] = validatePlan(readPlan(fixturePlan("table-unencrypted")), { bundle }).violations;
    expect(Object.keys(finding)).toEqual([
      "rule",
      "guardrail",
      "severity",
      "address",
      "message",
      "remediation",
      "evidence",
    ]);
    expect(finding).toMatchObject({ guardrail: "encryption", severity: "high" });
    expect(finding.remediation).toMatch(/kms_key_arn/);
  });

  // A finding from the policy names its rule; guardrail, severity and remediation come from the rule's
  // METADATA by way of the catalog (lib/findings.rego).
  test.each([
    ["gate-code-execution", "DDB-AUD-008", "audit", "critical"],
    ["fgac-leading-keys", "DDB-FGAC-001", "fgac", "high"],
    ["fgac-admin-actions", "DDB-FGAC-006", "fgac", "high"],
    ["fgac-resource-policy", "DDB-FGAC-005", "fgac", "critical"],
    ["fgac-scan-admin", "DDB-FGAC-003", "fgac", "critical"],
    ["endpoint-policy-routes", "DDB-EP-002", "endpoint", "high"],
    ["endpoint-policy-routes", "DDB-EP-003", "endpoint", "medium"],
  ])(
    "%s: %s is a finding of guardrail %s at severity %s, with its rule's remediation",
    (fixture, id, guardrail, severity) => {
      const found = validatePlan(readPlan(fixturePlan(fixture)), { bundle }).violations.filter((f) => f.rule === id);
      expect(found.length).toBeGreaterThan(0);
      const rule = bundle.rules.find((r) => r.id === id);
      for (const f of found) expect(f).toMatchObject({ guardrail, severity, remediation: rule?.remediation });
    },
  );

  test("an unprovable finding has its rule's guardrail and severity, and says how to make the value known", () => {
    const found = validatePlan(readPlan(fixturePlan("fgac-resource-policy")), { bundle }).violations.filter(
      (f) => f.rule === "DDB-FGAC-005-UNPROVABLE",
    );
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f).toMatchObject({ guardrail: "fgac", severity: "critical" });
      expect(f.remediation).toMatch(/^Make the value known at plan time/);
    }
  });
});

describe("validatePlan with one loaded bundle (load once, validate many plans)", () => {
  const names = [
    "table-unencrypted",
    "fgac-leading-keys",
    "endpoint-missing",
    "audit-trail-evasion",
    "fgac-jsonencode-after-apply-insecure",
    "enc-key-policy",
    "fgac-protected-attributes", // its findings change with protected_attributes
  ];
  const now = new Date("2026-06-01T00:00:00Z");
  const reports = (bundleFor: () => typeof bundle, order: string[], parameters?: Record<string, unknown>) =>
    Object.fromEntries(
      order.map((name) => [
        name,
        validatePlan(readPlan(fixturePlan(name)), { bundle: bundleFor(), now, access: true, parameters }),
      ]),
    );

  test("gives every plan the report a fresh bundle gives it, in any order and after other parameters", () => {
    const fresh = reports(() => loadBundle(), names);
    const shared = loadBundle();
    expect(reports(() => shared, names)).toEqual(fresh);
    expect(reports(() => shared, [...names].reverse())).toEqual(fresh);
    const protectedOnly = { protected_attributes: ["tenantTier"] };
    expect(reports(() => shared, names, protectedOnly)).toEqual(reports(() => loadBundle(), names, protectedOnly));
    expect(reports(() => shared, names)).toEqual(fresh);
  });

  test("an evaluation that ran out of memory leaves nothing behind: the next plan gets its own report", () => {
    const shared = loadBundle();
    const padded = Object.assign(readPlan(fixturePlan("table-unencrypted")), {
      padding: "x".repeat(17 * 1024 * 1024),
    });
    expect(() => validatePlan(padded, { bundle: shared, maxMemoryMiB: 24 })).toThrow(/out of memory/);
    expect(validatePlan(readPlan(fixturePlan("fgac-leading-keys")), { bundle: shared, maxMemoryMiB: 24, now })).toEqual(
      validatePlan(readPlan(fixturePlan("fgac-leading-keys")), { bundle: loadBundle(), maxMemoryMiB: 24, now }),
    );
  });
});

describe("plans the engine refuses (fail closed)", () => {
  const refuse = (text: string) => () => parsePlan(text, "input");
  test.each([
    ["an empty file", ""],
    ["not JSON", "garbage"],
    ["truncated JSON", readFileSync(fixturePlan("table-unencrypted"), "utf8").slice(0, 500)],
    ["a JSON array", "[]"],
    ["JSON without format_version", '{"resource_changes": []}'],
    ["an unsupported format_version major", '{"format_version": "2.0", "resource_changes": []}'],
    ["an errored plan", '{"format_version": "1.2", "errored": true, "resource_changes": []}'],
    ["resource_changes of the wrong type", '{"format_version": "1.2", "resource_changes": {}}'],
    [
      "a resource change without address",
      '{"format_version": "1.2", "resource_changes": [{"mode":"managed","type":"t","name":"n","change":{"actions":["create"]}}]}',
    ],
  ])("%s", (_name, text) => {
    expect(refuse(text)).toThrow(GuardrailsError);
  });

  test("a binary saved plan is converted by the reader it is given, and refused without one", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-saved-plan-"));
    try {
      const saved = join(dir, "tfplan");
      writeFileSync(saved, "PK\u0003\u0004");
      expect(() => readPlan(saved)).toThrow(/tfplan: is a binary saved plan; convert it with terraform show -json/);
      const asked: Array<[string, number]> = [];
      const json = readFileSync(fixturePlan("table-unencrypted"), "utf8");
      const plan = readPlan(saved, { maxBytes: 1 << 20 }, (file, maxBytes) => {
        asked.push([file, maxBytes]);
        return json;
      });
      expect(asked).toEqual([[saved, 1 << 20]]);
      expect(plan).toEqual(readPlan(fixturePlan("table-unencrypted")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a plan whose configuration declares resources but has no resource_changes", () => {
    const plan = JSON.parse(readFileSync(fixturePlan("table-unencrypted"), "utf8"));
    delete plan.resource_changes;
    expect(refuse(JSON.stringify(plan))).toThrow(/no resource_changes/);
  });

  test("duplicate resource addresses", () => {
    const plan = JSON.parse(readFileSync(fixturePlan("table-unencrypted"), "utf8"));
    plan.resource_changes.push(plan.resource_changes[0]);
    expect(refuse(JSON.stringify(plan))).toThrow(/appears twice/);
  });
});
