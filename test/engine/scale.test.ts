// Correctness at scale (speed is measured by `npm run bench`, never asserted here): a generated plan of
// ten service units yields exactly the seed's findings, once per unit; and the slimmed input the engine
// hands the policy gives the same report as the raw plan.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ENTRYPOINT,
  instantiate,
  loadBundle,
  parsePlan,
  preparePlan,
  validatePlan,
  type Finding,
  type Plan,
} from "../../src/engine";
import { UNREAD_CHANGE_KEYS, UNREAD_PLAN_KEYS, UNREAD_RESOURCE_CHANGE_KEYS } from "../../src/engine/input/policy-input";
import { ROOT } from "../helpers/paths";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require("../../bench/generate-plan") as {
  generate(resources: number): string;
  unitSize(seed: Plan): number;
  replicate(text: string, unit: number): string;
};

const bundle = loadBundle();
const seedText = readFileSync(join(ROOT, "bench", "seed", "plan.json"), "utf8");
const seed = parsePlan(seedText, "seed");
const unit = generator.unitSize(seed);

const comparable = (findings: readonly Finding[]) =>
  findings.map((f) => JSON.stringify([f.rule, f.address, f.message, f.evidence])).sort();

describe("a generated plan of 1,000 resources", () => {
  const units = 1000 / unit;
  const plan = parsePlan(generator.generate(1000), "generated");
  const report = validatePlan(plan, { bundle });
  const seedFindings = validatePlan(seed, { bundle }).violations;

  test("has the seed's findings, and some of every guardrail the seed breaks", () => {
    expect(seedFindings.length).toBeGreaterThan(5);
    expect(new Set(seedFindings.map((f) => f.guardrail)).size).toBeGreaterThan(2);
  });

  test("reports every seed finding once per unit, renamed to the unit, and nothing else", () => {
    const expected: string[] = [];
    for (let i = 1; i <= units; i++) {
      for (const f of comparable(seedFindings)) expected.push(generator.replicate(f, i));
    }
    expect(report.summary.resources).toBe(1000);
    expect(comparable(report.violations)).toEqual(expected.sort());
  });

  test("gives the same report in passes (a heap reset between them) as in one pass", () => {
    const policy = instantiate(bundle, {});
    const { input } = preparePlan(plan).inputs[0];
    const findings = (passes: boolean) => {
      const [{ result }] = policy.report(input, { passes }) as Array<{
        result: { resources: number; findings: Finding[] };
      }>;
      return { resources: result.resources, findings: comparable(result.findings) };
    };
    const one = findings(false);
    expect(one.findings.length).toBe(report.violations.length);
    expect(findings(true)).toEqual(one);
    expect(findings(false)).toEqual(one); // the instance is reusable after passes
  });

  test("gives the same report from the slimmed input as from the raw plan", () => {
    const raw = instantiate(bundle, {}).evaluate(JSON.parse(JSON.stringify(plan)), ENTRYPOINT) as Array<{
      result: { resources: number; findings: Finding[] };
    }>;
    expect(raw[0].result.resources).toBe(report.summary.resources);
    expect(comparable(raw[0].result.findings)).toEqual(comparable(report.violations));
  });
});

describe("the parts of a plan left out of the policy input", () => {
  const regoFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? regoFiles(join(dir, e.name))
        : e.name.endsWith(".rego") && !e.name.endsWith("_test.rego")
          ? [join(dir, e.name)]
          : [],
    );

  // As a field: input.planned_values, change.before, object.get(x, "before", ...), x["before"].
  test.each([...UNREAD_PLAN_KEYS, ...UNREAD_RESOURCE_CHANGE_KEYS, ...UNREAD_CHANGE_KEYS])(
    "%s is read by no policy",
    (key) => {
      const readers = regoFiles(join(ROOT, "policies")).filter((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .some((line) => !line.trimStart().startsWith("#") && new RegExp(`\\.${key}\\b|"${key}"`).test(line)),
      );
      expect(readers).toEqual([]);
    },
  );
});
