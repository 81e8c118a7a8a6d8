// Random mutations of real plans for the fuzz suites: fast-check arbitraries and their application.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { FIXTURES, fixturePlan } from "../helpers/paths";

/** Fixed seed: a failure is reproducible, and CI runs the same inputs every time. */
export const SEED = 20261125;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

export type Op =
  | { kind: "drop"; at: number }
  | { kind: "retype"; at: number; value: Json }
  | { kind: "restring"; at: number; value: string }
  | { kind: "duplicate"; at: number }
  | { kind: "insert"; at: number; key: string; value: Json }
  | { kind: "nest"; at: number; depth: number };

export interface Mutation {
  readonly fixture: string;
  readonly ops: readonly Op[];
  /** Cut the serialized plan at this fraction of its length (truncated upload, full disk). */
  readonly truncate?: number;
}

/** Every real fixture plan, by case name. */
export function fixturePlans(): Map<string, string> {
  const plans = new Map<string, string>();
  for (const name of readdirSync(FIXTURES).sort()) {
    if (existsSync(fixturePlan(name))) plans.set(name, readFileSync(fixturePlan(name), "utf8"));
  }
  return plans;
}

const unicode = fc.string({ unit: "grapheme", maxLength: 40 });
const hostileString = fc.oneof(
  unicode,
  fc.constantFrom(
    "",
    "\u0000",
    "\u202e",
    "\ud83d\ude00".repeat(50),
    '"}]',
    "alias/aws/dynamodb",
    "*",
    "${var.x}",
    "arn:aws:kms:eu-west-1:111122223333:key/x",
  ),
  fc.nat({ max: 3 }).map((n) => "x".repeat(10 ** (n + 3))), // up to 1 MB
);
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -1, 1e308, 2 ** 53 + 1),
  ),
  hostileString,
  fc.constant(null).map((): Json => []),
  fc.constant(null).map((): Json => ({})),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("retype" as const), at: fc.nat(), value: anyValue }),
  fc.record({ kind: fc.constant("restring" as const), at: fc.nat(), value: hostileString }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), key: unicode, value: anyValue }),
  fc.record({ kind: fc.constant("nest" as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 200 }) }),
);

export function mutation(fixtures: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.record({
    fixture: fc.constantFrom(...fixtures),
    ops: fc.array(op, { minLength: 1, maxLength: 3 }),
    truncate: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) },
    ),
  });
}

/** Every path in a JSON document, root excluded, in document order. */
function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      paths(v, [...prefix, i], out);
    });
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      paths(v, [...prefix, k], out);
    }
  return out;
}

const typeOf = (v: Json) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function parentOf(doc: Json, path: Path): { parent: any; key: string | number } {
  let parent: any = doc;
  for (const key of path.slice(0, -1)) parent = parent[key];
  return { parent, key: path[path.length - 1] };
}

export interface Applied {
  readonly text: string;
  /** What was done, for the failure message. */
  readonly log: string[];
  /** Paths that were changed, for judging whether the change may legitimately flip the verdict. */
  readonly changed: { kind: Op["kind"] | "truncate"; path: Path }[];
}

/** Applies a mutation to the fixture's plan; ops whose path does not exist any more are no-ops. */
export function apply(plans: Map<string, string>, m: Mutation): Applied {
  const doc = JSON.parse(plans.get(m.fixture)!) as Json;
  const log: string[] = [m.fixture];
  const changed: Applied["changed"] = [];
  for (const o of m.ops) {
    const all = paths(doc);
    if (all.length === 0) break;
    const path = all[o.at % all.length];
    const { parent, key } = parentOf(doc, path);
    const current = parent[key] as Json;
    const where = path.join(".");
    switch (o.kind) {
      case "drop":
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case "retype":
        if (typeOf(o.value) === typeOf(current)) continue;
        parent[key] = o.value;
        break;
      case "restring":
        if (typeof current !== "string") continue;
        parent[key] = o.value;
        break;
      case "duplicate":
        if (!Array.isArray(parent)) continue;
        parent.push(structuredClone(current));
        break;
      case "insert":
        if (current === null || typeof current !== "object" || Array.isArray(current) || o.key in current) continue;
        (current as Record<string, Json>)[o.key] = o.value;
        break;
      case "nest": {
        let v: Json = current;
        for (let i = 0; i < o.depth; i++) v = [v];
        parent[key] = v;
        break;
      }
    }
    log.push(
      `${o.kind} ${where}${"value" in o ? ` = ${JSON.stringify(o.value).slice(0, 60)}` : ""}${"depth" in o ? ` x${o.depth}` : ""}`,
    );
    changed.push({ kind: o.kind, path });
  }
  let text = JSON.stringify(doc);
  if (m.truncate !== undefined) {
    text = text.slice(0, Math.floor(text.length * m.truncate));
    log.push(`truncate at ${text.length}`);
    changed.push({ kind: "truncate", path: [] });
  }
  return { text, log, changed };
}
