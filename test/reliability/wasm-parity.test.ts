// The compiled bundle (opa-wasm, what the CLI runs) decides exactly what native OPA decides on every real
// fixture plan. The Rego tests (policies/rules/<guardrail>/<rule>_test.rego) are the one place where each rule's
// expected findings are written, and they run natively: this holds the bundle users run to them, and
// catches a builtin that behaves differently in opa-wasm (its sprintf threw on null and aborted whole
// evaluations).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENTRYPOINT, instantiate, loadBundle, parsePlan } from "../../src/engine";
import { policyInput } from "../../src/engine/input/policy-input";
import { goSprintf } from "../../src/engine/policy/sprintf";
import { fixturePlans } from "../fuzz/mutate";
import { evalPolicies } from "../helpers/opa";
import { ROOT } from "../helpers/paths";

interface RawFinding {
  rule: string;
  address: string;
}
// The decision: which rule fails which resource (its severity is the rule's, from the catalog, the same
// for both). Messages may list a set's members in another order: native OPA sorts sets, opa-wasm keeps
// them in hash order.
const decisions = (findings: RawFinding[]) => findings.map((f) => `${f.address} ${f.rule}`).sort();

test("the wasm bundle and native OPA give the same report on every fixture plan", () => {
  const plans = fixturePlans();
  const bundle = loadBundle();
  const work = mkdtempSync(join(tmpdir(), "ddb-parity-"));
  try {
    const inputs: Record<string, unknown> = {};
    // The input the engine hands over (policyInput: unread parts left out, ambiguous policy JSON marked, CloudFormation templates parsed).
    for (const [name, text] of plans)
      inputs[name] = JSON.parse(Buffer.from(policyInput(parsePlan(text, name))).toString("utf8"));
    writeFileSync(join(work, "plans.json"), JSON.stringify({ parity_plans: inputs }));
    // One opa process for all plans: each is evaluated as the input of the entrypoint.
    const query = `{name: report | some name, plan in data.parity_plans; report := data.${ENTRYPOINT.replace(/\//g, ".")} with input as plan}`;
    const native = evalPolicies<Record<string, { resources: number; findings: RawFinding[] }>>(
      query,
      join(work, "plans.json"),
    );
    expect(Object.keys(native).sort()).toEqual([...plans.keys()].sort());
    for (const [name, plan] of Object.entries(inputs)) {
      const policy = instantiate(bundle, {}, { maxMemoryMiB: 512 });
      const [{ result: wasm }] = policy.evaluate(plan, ENTRYPOINT) as [
        { result: { resources: number; findings: RawFinding[] } },
      ];
      expect({ name, resources: wasm.resources, findings: decisions(wasm.findings) }).toEqual({
        name,
        resources: native[name].resources,
        findings: decisions(native[name].findings),
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("sprintf formats like OPA: null, objects, numbers, width and missing arguments", () => {
  const cases = [
    '"%v|%s|%d|%.2f|%5s|%-4d|%q|%x|%d"',
    '[{"b": [1, "x", null], "a": true}, null, 42, 3.14159, "ab", 7, "q\\"", 255, "x"]',
  ];
  const run = spawnSync(
    join(ROOT, ".tools", "bin", "opa"),
    ["eval", "--format", "raw", `sprintf(${cases[0]}, ${cases[1]})`],
    { encoding: "utf8" },
  );
  expect(run.status).toBe(0);
  expect(goSprintf(JSON.parse(cases[0]), JSON.parse(cases[1]))).toBe(run.stdout.trim());
  expect(goSprintf("%v %v", [1])).toBe("1 %!v(MISSING)");
});
