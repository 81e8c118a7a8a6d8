// Differential test of the IAM evaluation core (package ddb_guardrails.lib.iam.evaluation) against
// @cloud-copilot/iam-simulate, an independent implementation of AWS's policy evaluation logic. Cases are
// generated with fast-check from the vocabulary the guardrails judge (test/helpers/iam-cases.ts) and
// evaluated by the core in one `opa eval` over the Rego source; every decision must equal the simulator's.
// Requests whose decision AWS's documentation states (test/helpers/iam-known-answers.ts) hold both
// evaluators to the documentation; where the simulator departs from it, the case is listed in
// DOCUMENTED_DISAGREEMENTS below and in docs/rules.md, and the core follows the documentation.
// FC_SEED=<n> replays a run; DDB_IAM_DIFFERENTIAL_CASES=<n> changes its size (CI: the default).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Case, type Decision, generateCases, simulate } from "../helpers/iam-cases";
import { KNOWN_ANSWERS } from "../helpers/iam-known-answers";
import { evalPolicies } from "../helpers/opa";

const CASES = Number(process.env.DDB_IAM_DIFFERENTIAL_CASES ?? 10_000);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261206;
const CORE = "ddb_guardrails.lib.iam.evaluation";

/**
 * Where iam-simulate and AWS's documentation disagree, the documentation decides. Each entry names the
 * sentence that decides it, recognises the generated cases it covers (left out of the comparison and
 * counted) and has a known answer (by name in KNOWN_ANSWERS) on which the simulator must still disagree.
 */
const DOCUMENTED_DISAGREEMENTS: { knownAnswer: string; source: string; covers: (c: Case) => boolean }[] = [];

const work = mkdtempSync(join(tmpdir(), "ddb-iam-differential-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface CoreAnswers {
  decisions: Record<string, Decision>;
  allowed: number[];
}
/** The core's decision and allowed() for every case, in one evaluation. */
function evaluateCore(cases: Case[]): { decision: Decision | undefined; allowed: boolean }[] {
  const file = join(work, `cases-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ iam_differential_cases: cases }));
  const answers = evalPolicies<CoreAnswers>(
    `{"decisions": {sprintf("%d", [i]): d | some i, c in data.iam_differential_cases; d := data.${CORE}._decision(c.request, c.policies)},
      "allowed": [i | some i, c in data.iam_differential_cases; data.${CORE}.allowed(c.request, c.policies)]}`,
    file,
  );
  const allowed = new Set(answers.allowed);
  return cases.map((_, i) => ({ decision: answers.decisions[String(i)], allowed: allowed.has(i) }));
}

/** The simulator's decision for every case; a case it refuses is a defect of the generator. */
async function simulateAll(cases: Case[]): Promise<(Decision | { error: string })[]> {
  const out: (Decision | { error: string })[] = [];
  for (const c of cases) out.push(await simulate(c));
  return out;
}

/** Smaller versions of a case: one statement, one condition operator, one context key or one policy less. */
function shrinkings(c: Case): Case[] {
  const out: Case[] = [];
  const clone = (): Case => structuredClone(c);
  const lists = ["identity", "boundary", "resource", "endpoint"] as const;
  for (const list of lists) {
    const docs = c.policies[list];
    if (!docs) continue;
    docs.forEach((d, di) => {
      const dropDoc = clone();
      dropDoc.policies[list]!.splice(di, 1);
      if (list === "boundary" || list === "endpoint")
        if (dropDoc.policies[list]!.length === 0) delete dropDoc.policies[list];
      out.push(dropDoc);
      d.Statement.forEach((s, si) => {
        if (d.Statement.length > 1) {
          const dropStatement = clone();
          dropStatement.policies[list]![di].Statement.splice(si, 1);
          out.push(dropStatement);
        }
        const condition = s.Condition as Record<string, unknown> | undefined;
        for (const op of Object.keys(condition ?? {})) {
          const dropOp = clone();
          const target = dropOp.policies[list]![di].Statement[si].Condition as Record<string, unknown>;
          delete target[op];
          if (Object.keys(target).length === 0) delete dropOp.policies[list]![di].Statement[si].Condition;
          out.push(dropOp);
        }
        for (const field of ["Action", "Resource", "NotAction", "NotResource"])
          if (Array.isArray(s[field]) && (s[field] as unknown[]).length > 1)
            (s[field] as unknown[]).forEach((_, vi) => {
              const dropValue = clone();
              (dropValue.policies[list]![di].Statement[si][field] as unknown[]).splice(vi, 1);
              out.push(dropValue);
            });
      });
    });
  }
  for (const key of Object.keys(c.request.context)) {
    const dropKey = clone();
    delete dropKey.request.context[key];
    out.push(dropKey);
  }
  return out;
}

/** Greedy minimisation of disagreeing cases, a batch of candidates per round for both evaluators. */
async function minimise(cases: Case[]): Promise<Case[]> {
  let current = cases;
  for (let round = 0; round < 30; round++) {
    const candidates = current.map(shrinkings);
    const flat = candidates.flat();
    if (flat.length === 0) break;
    const core = evaluateCore(flat);
    const simulated = await simulateAll(flat);
    let offset = 0;
    let changed = false;
    current = current.map((c, i) => {
      const mine = candidates[i];
      const found = mine.findIndex((_, j) => {
        const s = simulated[offset + j];
        return typeof s === "string" && core[offset + j].decision !== s;
      });
      offset += mine.length;
      if (found < 0) return c;
      changed = true;
      return mine[found];
    });
    if (!changed) break;
  }
  return current;
}

/** What a disagreement is about: service, accounts, the policies present and the two decisions. */
function signature(c: Case, core: Decision | undefined, simulated: Decision | { error: string }): string {
  const same = c.request.principal.account === c.policies.resource_account ? "same account" : "cross-account";
  const present: string[] = (["boundary", "endpoint"] as const).filter((k) => c.policies[k]);
  if (c.policies.resource.length > 0) present.push("resource");
  return `${c.request.action.split(":")[0]} ${same} [${present.join(",")}]: core ${core}, iam-simulate ${JSON.stringify(simulated)}`;
}

let cases: Case[];
let simulated: (Decision | { error: string })[];
beforeAll(async () => {
  // Wall and CPU time: on a shared machine the CPU time is the figure that compares between runs.
  const cpu = () => Math.round(process.cpuUsage().user / 1000);
  const [started, startedCpu] = [Date.now(), cpu()];
  cases = await generateCases(CASES, SEED);
  const [generated, generatedCpu] = [Date.now(), cpu()];
  simulated = await simulateAll(cases);
  console.log(
    `IAM differential: seed ${SEED} (FC_SEED to replay), ${cases.length} cases generated in ${generated - started} ms (CPU ${generatedCpu - startedCpu} ms), simulated in ${Date.now() - generated} ms (CPU ${cpu() - generatedCpu} ms)`,
  );
}, 600_000);

describe("the generated cases", () => {
  test("are all accepted by iam-simulate: policies IAM would refuse are not generated", () => {
    const refused = simulated.flatMap((s, i) =>
      typeof s === "string" ? [] : [`${s.error}: ${JSON.stringify(cases[i])}`],
    );
    expect(refused.slice(0, 3)).toEqual([]);
  });

  test("reach every decision, for callers of this account and of another account, on tables and keys", () => {
    const seen = new Map<string, number>();
    cases.forEach((c, i) => {
      const caller = c.request.principal.account;
      const kind = `${c.request.action.split(":")[0]} ${caller} ${simulated[i]}`;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    });
    const share = (decision: Decision) =>
      simulated.filter((s) => s === decision).length / Math.max(1, simulated.length);
    // Each decision is a sizeable share: a generator that only ever denied would prove nothing.
    expect(share("Allow")).toBeGreaterThan(0.05);
    expect(share("ExplicitDeny")).toBeGreaterThan(0.05);
    expect(share("ImplicitDeny")).toBeGreaterThan(0.05);
    for (const service of ["dynamodb", "kms"])
      for (const caller of ["111122223333", "444455556666"])
        expect([seen.get(`${service} ${caller} Allow`), `${service} ${caller}`]).toEqual([
          expect.any(Number),
          `${service} ${caller}`,
        ]);
  });

  test("are adversarial: the caller asks for other tenants' partitions, protected attributes and vacuous requests", () => {
    const leading = cases.filter((c) => Array.isArray(c.request.context["dynamodb:LeadingKeys"]));
    const otherTenant = leading.filter((c) =>
      (c.request.context["dynamodb:LeadingKeys"] as string[]).some((k) => k !== c.request.principal.tags.tenant),
    );
    const isAdmin = cases.filter((c) => [c.request.context["dynamodb:Attributes"]].flat().includes("isAdmin"));
    const noKeys = cases.filter(
      (c) => c.request.action.startsWith("dynamodb:") && !("dynamodb:LeadingKeys" in c.request.context),
    );
    for (const group of [otherTenant, isAdmin, noKeys]) expect(group.length).toBeGreaterThan(CASES / 100);
  });
});

describe("requests whose decision AWS's documentation states", () => {
  test.each(KNOWN_ANSWERS.map((k) => [k.name, k] as const))("iam-simulate: %s", async (_, known) => {
    const disagreement = DOCUMENTED_DISAGREEMENTS.find((d) => d.knownAnswer === known.name);
    const decision = await simulate(known.case);
    if (disagreement) expect(decision).not.toEqual(known.expected);
    else expect(decision).toEqual(known.expected);
  });
});

describe("the IAM evaluation core", () => {
  let known: ReturnType<typeof evaluateCore>;
  beforeAll(() => {
    known = evaluateCore(KNOWN_ANSWERS.map((k) => k.case));
  });
  test.each(KNOWN_ANSWERS.map((k, i) => [k.name, k, i] as const))("follows the documentation: %s", (_, answer, i) => {
    expect(known[i].decision).toEqual(answer.expected);
  });

  test(`decides every generated case as iam-simulate does (${CASES} cases)`, async () => {
    const started = Date.now();
    const core = evaluateCore(cases);
    console.log(`IAM differential: the core decided ${cases.length} cases in ${Date.now() - started} ms`);
    const undecided = core.flatMap((d, i) => (d.decision === undefined ? [i] : []));
    expect(undecided.slice(0, 5).map((i) => JSON.stringify(cases[i]))).toEqual([]);
    const inconsistent = core.flatMap((d, i) => (d.allowed !== (d.decision === "Allow") ? [i] : []));
    expect(inconsistent.slice(0, 5).map((i) => JSON.stringify(cases[i]))).toEqual([]);

    let documented = 0;
    const differing: number[] = [];
    cases.forEach((c, i) => {
      if (core[i].decision === simulated[i]) return;
      if (DOCUMENTED_DISAGREEMENTS.some((d) => d.covers(c))) documented++;
      else differing.push(i);
    });
    console.log(`IAM differential: ${documented} cases left to the documented disagreements`);
    const allowedByCoreOnly = differing.filter((i) => core[i].decision === "Allow").length;
    const allowedBySimulatorOnly = differing.filter((i) => simulated[i] === "Allow").length;
    if (differing.length > 0) {
      // One minimal case per kind of disagreement: the smallest of each, then shrunk.
      const kinds = new Map<string, number>();
      for (const i of differing.sort((a, b) => JSON.stringify(cases[a]).length - JSON.stringify(cases[b]).length)) {
        const kind = signature(cases[i], core[i].decision, simulated[i]);
        if (!kinds.has(kind)) kinds.set(kind, i);
      }
      console.log(`IAM differential: kinds of disagreement (${kinds.size}):\n${[...kinds.keys()].join("\n")}`);
      const smallest = await minimise([...kinds.values()].slice(0, 30).map((i) => cases[i]));
      const [coreSmall, simSmall] = [evaluateCore(smallest), await simulateAll(smallest)];
      console.log(
        `IAM differential: ${differing.length} disagreements (${allowedByCoreOnly} allowed by the core only, ${allowedBySimulatorOnly} by iam-simulate only); minimal cases:\n` +
          smallest
            .map(
              (c, i) =>
                `core ${coreSmall[i].decision}, iam-simulate ${JSON.stringify(simSmall[i])}: ${JSON.stringify(c)}`,
            )
            .join("\n"),
      );
    }
    expect({ allowedByCoreOnly, allowedBySimulatorOnly, differing: differing.length }).toEqual({
      allowedByCoreOnly: 0,
      allowedBySimulatorOnly: 0,
      differing: 0,
    });
  }, 600_000);
});
