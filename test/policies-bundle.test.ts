// The Rego tests (policies/<guardrail>/<rule>_test.rego) are the one place where each rule's expected
// findings on the fixture plans are written; they run the Rego source with `opa test`. Users run the
// compiled bundle. This suite holds the two together: on every fixture plan the bundle reports exactly
// the (rule, address) findings, as many of each, that `opa eval` of policies/ reports, so what the Rego
// tests assert holds for the bundle too. Only (rule, address) is compared: text built from a set (the
// actions or attributes a message lists) may come out in another order from wasm than from opa eval,
// so the policies-<guardrail> suites check the bundle's messages and evidence themselves.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPlan } from "../src/engine";
import { policyInput } from "../src/engine/policy-input";
import { fixtureReports } from "./helpers/fixture-reports";
import { FIXTURES, fixturePlan, ROOT } from "./helpers/paths";

const OPA = join(ROOT, ".tools", "bin", "opa");
const fixtures = readdirSync(FIXTURES).filter((name) => existsSync(fixturePlan(name)));
const { findings } = fixtureReports();

// One opa process over every fixture: each plan's policy input (what the engine hands the bundle) is
// data.fixtures[<name>], as in scripts/test-policies.sh.
const QUERY = `{name: pairs |
  some name, plan in data.fixtures
  found := data.ddb_guardrails.main.findings with input as plan
  pairs := [sprintf("%s %s", [f.rule, f.address]) | some f in found]
}`;

let source: Record<string, string[]>;

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "policies-bundle-"));
  try {
    for (const name of fixtures) {
      mkdirSync(join(work, "fixtures", name), { recursive: true });
      writeFileSync(join(work, "fixtures", name, "data.json"), Buffer.from(policyInput(readPlan(fixturePlan(name)))));
    }
    const run = spawnSync(
      OPA,
      ["eval", "--format", "json", "--data", join(ROOT, "policies"), "--ignore", "*_test.rego", "--data", work, QUERY],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0) throw new Error(`opa eval failed: ${run.stdout}${run.stderr}`);
    const found: Record<string, string[]> = JSON.parse(run.stdout).result[0].expressions[0].value;
    source = Object.fromEntries(Object.entries(found).map(([name, pairs]) => [name, [...pairs].sort()]));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

describe("the compiled bundle and the Rego source agree on every fixture plan", () => {
  test("the Rego source was evaluated on every fixture, and finds something", () => {
    expect(Object.keys(source).sort()).toEqual([...fixtures].sort());
    expect(Object.values(source).flat().length).toBeGreaterThan(0);
  });

  test.each(fixtures)("%s", (name) => {
    expect(findings(name)).toEqual(source[name]);
  });
});
