import type { TFExpressionSyntaxTree as Ast } from "@cdktn/hcl2json";
import { referencedObject, resourceAttribute } from "../plan/address";
import { hcl2json } from "./hcl";

/**
 * What an expression of the source evaluates to, as far as it can be known before apply:
 * a known value, references to objects of a module instance (known only after apply), a list or map
 * of those, "absent" (an attribute or resource instance that does not exist: try() moves past it),
 * one of several values (a condition not known), or unknown (an expression outside the subset).
 */
export type Value =
  | { kind: "known"; value: unknown }
  | { kind: "refs"; module: string; refs: string[] }
  | { kind: "list"; items: Value[] }
  | { kind: "map"; fields: Record<string, Value> }
  | { kind: "absent" }
  | { kind: "any"; values: Value[] }
  | { kind: "unknown"; why: string };

/** How names are looked up where an expression sits. */
export interface EvalContext {
  /** var.*, local.*, resource/data/module references of the enclosing module. */
  readonly traverse: (root: string, segments: Segment[]) => Promise<Value>;
  /** Iterator and for-expression symbols bound here (each, count, a dynamic block's iterator, k/v). */
  readonly bindings: ReadonlyMap<string, Value>;
  /** The value the plan gives a resource attribute (one reference), when known before apply. */
  readonly planned?: (value: Value) => Value | undefined;
}

export type Segment = { name: string } | { index: Value };

/** A node of the parser's expression AST (getExpressionAst). */
type Node = Ast.ExpressionType;
/** The source text of an object's key node, which the AST leaves out (withKeyTexts adds it). */
type KeyText = { keyText?: string };

const UNKNOWN = (why: string): Value => ({ kind: "unknown", why });
const astCache = new Map<string, Promise<Node | null>>();

/** Evaluates an hcl2json value: plain JSON, with "${...}" strings where the source has expressions. */
export async function evaluate(raw: unknown, ctx: EvalContext): Promise<Value> {
  if (typeof raw === "string") return raw.includes("${") ? evaluateTemplate(raw, ctx) : { kind: "known", value: raw };
  if (Array.isArray(raw)) return { kind: "list", items: await Promise.all(raw.map((item) => evaluate(item, ctx))) };
  if (raw !== null && typeof raw === "object") {
    const fields: Record<string, Value> = {};
    for (const [key, value] of Object.entries(raw)) fields[key] = await evaluate(value, ctx);
    return { kind: "map", fields };
  }
  return { kind: "known", value: raw ?? null };
}

async function evaluateTemplate(text: string, ctx: EvalContext): Promise<Value> {
  const node = await parseTemplate(text);
  if (!node) return UNKNOWN(`${text} (not parsed)`);
  return node.type === "templateWrap" && node.children?.length === 1
    ? evalNode(node.children[0], ctx)
    : opaque(node, ctx);
}

/**
 * The objects an hcl2json value refers to, as base objects ("aws_kms_key.k", "var.x", "each.value"),
 * like the references of a plan's configuration; for-expression symbols are not references.
 * Undefined when an expression cannot be parsed.
 */
export async function referencedObjects(raw: unknown): Promise<Set<string> | undefined> {
  const found = new Set<string>();
  const walk = (node: Node, bound: ReadonlySet<string>): void => {
    if (node.type === "scopeTraversal") {
      const names = (node.meta?.traversal ?? []).filter((t) => t.type !== "indexTraversal").map((t) => t.segment);
      if (!bound.has(names[0])) found.add(referencedObject(names.join(".")));
      return;
    }
    const inner =
      node.type === "for" ? new Set([...bound, node.meta?.keyVar, node.meta?.valVar].filter(Boolean)) : bound;
    for (const child of node.children ?? []) walk(child, inner);
  };
  const visit = async (value: unknown): Promise<boolean> => {
    if (typeof value === "string") {
      if (!value.replace(/\$\$\{/g, "").includes("${")) return true;
      // A heredoc holds line breaks, which a quoted template cannot: escaped, it parses the same.
      const node = (await parseTemplate(value)) ?? (await parseTemplate(value.replace(/\n/g, "\\n")));
      if (node) walk(node, new Set());
      return node !== null;
    }
    if (value !== null && typeof value === "object") {
      for (const item of Object.values(value)) if (!(await visit(item))) return false;
    }
    return true;
  };
  return (await visit(raw)) ? found : undefined;
}

/**
 * What jsonencode() is given, when an hcl2json value is exactly `jsonencode(<x>)`; else undefined.
 * A policy whose JSON is known only after apply may still be known statement by statement.
 */
export async function jsonencodeArgument(raw: unknown, ctx: EvalContext): Promise<Value | undefined> {
  if (typeof raw !== "string" || !raw.includes("${")) return undefined;
  const node = await parseTemplate(raw);
  const call = node?.type === "templateWrap" && node.children?.length === 1 ? node.children[0] : undefined;
  if (call?.type !== "function" || call.meta?.name !== "jsonencode" || call.children?.length !== 1) return undefined;
  return evalNode(call.children[0], ctx);
}

/** ASTs parsed before (ParseCache), by template text, as parseTemplate keeps them. */
export function rememberAsts(asts: Record<string, unknown>): void {
  for (const [text, node] of Object.entries(asts))
    if (!astCache.has(text)) astCache.set(text, Promise.resolve(node as Node | null));
}

/** The strings of an hcl2json value that hold an expression: the only ones the expression reader parses. */
export function templatesOf(body: unknown, found = new Set<string>()): Set<string> {
  if (typeof body === "string") {
    if (body.includes("${")) found.add(body);
  } else if (body !== null && typeof body === "object") {
    for (const value of Object.values(body)) templatesOf(value, found);
  }
  return found;
}

/**
 * Sends every template of a parsed body to the parser now, without waiting: the model reads nearly all of
 * them (99% of the templates in the test fixtures' source), and asked for one at a time each would wait
 * for a round trip between threads. A template that does not parse is null here, as when asked for later.
 */
export function prefetchTemplates(body: unknown): void {
  for (const text of templatesOf(body)) void parseTemplate(text);
}

/** The AST of a template parsed in this process, if it was. */
export function parsedTemplate(text: string): Promise<unknown> | undefined {
  return astCache.get(text);
}

function parseTemplate(text: string): Promise<Node | null> {
  let ast = astCache.get(text);
  if (!ast) {
    // hcl2json keeps the expression text as written: quoted as a template, it parses as HCL again.
    const quoted = `"${text}"`;
    ast = hcl2json()
      .getExpressionAst("source.tf", quoted)
      .then((node) => (node ? withKeyTexts(node as Node, Buffer.from(quoted)) : null))
      .catch(() => null);
    astCache.set(text, ast);
  }
  return ast;
}

/** Object keys come without their text in the AST: taken from the source by their byte range. */
function withKeyTexts(node: Node, source: Buffer): Node {
  for (const child of node.children ?? []) withKeyTexts(child, source);
  if (node.type === "object") {
    (node.children ?? []).forEach((child, i) => {
      const range = child.range;
      if (i % 2 === 0 && range) {
        const key: KeyText = { keyText: source.subarray(range.start.byte, range.end.byte).toString() };
        Object.assign(child, { meta: { ...child.meta, ...key } });
      }
    });
  }
  return node;
}

/** A literal object key: a bare name or a quoted string; a computed key (in parentheses) is not. */
function objectKey(node: Node): string | undefined {
  const [template] = node.children ?? [];
  const parts = template?.type === "template" ? (template.children ?? []) : [];
  if (parts.length === 1 && parts[0].type === "literalValue") return String(literal(parts[0].meta));
  if (template) return undefined;
  const text = String((node.meta as KeyText | undefined)?.keyText ?? "").trim();
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(text) ? text : undefined;
}

async function objectValue(node: Node, ctx: EvalContext): Promise<Value> {
  const kids = node.children ?? [];
  const fields: Record<string, Value> = {};
  for (let i = 0; i + 1 < kids.length; i += 2) {
    const key = objectKey(kids[i]);
    if (key === undefined) return opaque(node, ctx);
    fields[key] = await evalNode(kids[i + 1], ctx);
  }
  return { kind: "map", fields };
}

async function evalNode(node: Node, ctx: EvalContext): Promise<Value> {
  const kids = node.children ?? [];
  switch (node.type) {
    case "templateWrap":
      return kids.length === 1 ? evalNode(kids[0], ctx) : opaque(node, ctx);
    case "template":
      return kids.length === 1 && kids[0].type === "literalValue" ? evalNode(kids[0], ctx) : opaque(node, ctx);
    case "literalValue":
      return { kind: "known", value: literal(node.meta) };
    case "scopeTraversal":
      return traversal(node.meta?.traversal ?? [], ctx);
    case "relativeTraversal":
      return applySegments(await evalNode(kids[0], ctx), namesOf(node.meta?.traversal ?? []), ctx);
    case "index":
      return applySegments(await evalNode(kids[0], ctx), [{ index: await evalNode(kids[1], ctx) }], ctx);
    case "tuple": {
      const items = await Promise.all(kids.map((k) => evalNode(k, ctx)));
      return items.some((item) => item.kind === "absent") ? { kind: "absent" } : { kind: "list", items };
    }
    case "object":
      return objectValue(node, ctx);
    case "function":
      return callFunction(node, ctx);
    case "conditional":
      return conditional(kids, ctx);
    case "binaryOp":
      return binary(node.meta?.operator, await evalNode(kids[0], ctx), await evalNode(kids[1], ctx), node, ctx);
    case "unaryOp":
      return unary(node, await evalNode(kids[0], ctx), ctx);
    case "for":
      return forExpression(node, ctx);
    default:
      return opaque(node, ctx);
  }
}

function literal(meta: Ast.LiteralValueExpressionMeta | undefined): unknown {
  if (!meta) return null;
  if (meta.type === "number") return Number(meta.value);
  if (meta.type === "bool") return meta.value === "true";
  // Template escapes: $${ and %%{ are a literal ${ and %{.
  if (meta.type === "string")
    return String(meta.value)
      .replace(/\$\$\{/g, "${")
      .replace(/%%\{/g, "%{");
  return null;
}

function namesOf(traversal: readonly Ast.TerraformTraversalPart[]): Segment[] {
  return traversal.map((t) =>
    t.type === "indexTraversal" ? { index: { kind: "known", value: indexKey(t.segment) } } : { name: t.segment },
  );
}

function indexKey(segment: string): unknown {
  return /^".*"$/.test(segment) ? JSON.parse(segment) : Number(segment);
}

async function traversal(steps: readonly Ast.TerraformTraversalPart[], ctx: EvalContext): Promise<Value> {
  const segments = namesOf(steps);
  const root = (segments[0] as { name: string }).name;
  const bound = ctx.bindings.get(root);
  if (bound) return applySegments(bound, segments.slice(1), ctx);
  return ctx.traverse(root, segments.slice(1));
}

/** Attribute and index access on a value. References grow by the accessor; known maps and lists are entered. */
export async function applySegments(value: Value, segments: Segment[], ctx?: EvalContext): Promise<Value> {
  let current = value;
  for (const segment of segments) {
    const key = "name" in segment ? segment.name : segment.index.kind === "known" ? segment.index.value : undefined;
    if (current.kind === "refs") {
      // An index not known selects any instance.
      if (key === undefined) return { ...current, refs: current.refs.map(referencedObject) };
      const suffix = typeof key === "number" ? `[${key}]` : "name" in segment ? `.${key}` : `[${JSON.stringify(key)}]`;
      current = { ...current, refs: current.refs.map((r) => r + suffix) };
    } else if (current.kind === "any") {
      current = { kind: "any", values: await Promise.all(current.values.map((v) => applySegments(v, [segment], ctx))) };
    } else if (key === undefined) {
      return UNKNOWN("an index not known before apply");
    } else {
      current = enter(current, key);
    }
    if (current.kind === "absent" || current.kind === "unknown") return current;
  }
  return current;
}

function enter(value: Value, key: unknown): Value {
  if (value.kind === "map") return value.fields[String(key)] ?? { kind: "absent" };
  if (value.kind === "list")
    return typeof key === "number" ? (value.items[key] ?? { kind: "absent" }) : { kind: "absent" };
  if (value.kind === "known") {
    const inner = value.value;
    if (inner === null || typeof inner !== "object") return { kind: "absent" };
    const name = String(key);
    return name in inner ? { kind: "known", value: (inner as Record<string, unknown>)[name] } : { kind: "absent" };
  }
  return UNKNOWN("an attribute of a value not known before apply");
}

async function callFunction(node: Ast.FunctionCallExpression, ctx: EvalContext): Promise<Value> {
  const args = node.children ?? [];
  switch (node.meta?.name) {
    case "try":
      for (const arg of args) {
        const value = await evalNode(arg, ctx);
        if (value.kind === "unknown") return value;
        if (value.kind !== "absent" && !(value.kind === "refs" && value.refs.length === 0)) return value;
      }
      return UNKNOWN("try(): no alternative succeeds");
    case "lookup": {
      const found = await applySegments(await evalNode(args[0], ctx), [{ index: await evalNode(args[1], ctx) }], ctx);
      return found.kind === "absent" && args[2] ? evalNode(args[2], ctx) : found;
    }
    case "replace":
      return placeholder(await Promise.all(args.map((arg) => evalNode(arg, ctx)))) ?? opaque(node, ctx);
    case "element": {
      const [list, index] = await Promise.all(args.map((arg) => evalNode(arg, ctx)));
      const items = entriesOf(list);
      if (!items || index?.kind !== "known" || typeof index.value !== "number" || items.length === 0)
        return opaque(node, ctx);
      return items[index.value % items.length][1];
    }
    case "jsonencode": {
      const value = plainValue(await evalNode(args[0], ctx));
      return value === undefined ? opaque(node, ctx) : { kind: "known", value: JSON.stringify(value) };
    }
    case "coalesce":
      for (const arg of args) {
        const value = await evalNode(arg, ctx);
        if (value.kind === "known" && (value.value === null || value.value === "")) continue;
        return value.kind === "known" ? value : opaque(node, ctx);
      }
      return UNKNOWN("coalesce(): every argument is null");
    // A set of known strings is iterated like the list (for_each = toset([...]): keyed by value).
    case "toset": {
      const value = await evalNode(args[0], ctx);
      const items = plainValue(value);
      return Array.isArray(items) && items.every((item) => typeof item === "string")
        ? { kind: "known", value: [...new Set(items)].sort() }
        : opaque(node, ctx);
    }
    case "length": {
      const value = await evalNode(args[0], ctx);
      if (value.kind === "list") return { kind: "known", value: value.items.length };
      if (value.kind === "map") return { kind: "known", value: Object.keys(value.fields).length };
      if (value.kind === "known" && (Array.isArray(value.value) || typeof value.value === "string"))
        return { kind: "known", value: (value.value as unknown[]).length };
      return opaque(node, ctx);
    }
    default:
      return opaque(node, ctx);
  }
}

/**
 * replace(document, "__PLACEHOLDER__", <a table's ARN>), the way modules put their own table into a
 * policy written by the caller: the document stays known, the placeholder becomes an ARN that
 * covers every table (wider than the real one, so a rule judging resources never sees less).
 */
function placeholder([text, pattern, replacement]: Value[]): Value | undefined {
  if (
    text?.kind !== "known" ||
    typeof text.value !== "string" ||
    pattern?.kind !== "known" ||
    typeof pattern.value !== "string"
  )
    return undefined;
  if (pattern.value === "" || pattern.value.startsWith("/")) return undefined;
  if (replacement?.kind === "known" && typeof replacement.value === "string")
    return { kind: "known", value: text.value.split(pattern.value).join(replacement.value) };
  const tables =
    replacement?.kind === "refs" &&
    replacement.refs.length > 0 &&
    replacement.refs.every((r) => {
      const [resource, attribute] = resourceAttribute(r) ?? [];
      return resource?.startsWith("aws_dynamodb_table.") && attribute === "arn";
    });
  return tables ? { kind: "known", value: text.value.split(pattern.value).join(ANY_TABLE_ARN) } : undefined;
}

export const ANY_TABLE_ARN = "arn:aws:dynamodb:*:*:table/*";

async function conditional(kids: Node[], ctx: EvalContext): Promise<Value> {
  const condition = await evalNode(kids[0], ctx);
  if (condition.kind === "known" && typeof condition.value === "boolean")
    return evalNode(condition.value ? kids[1] : kids[2], ctx);
  return { kind: "any", values: [await evalNode(kids[1], ctx), await evalNode(kids[2], ctx)] };
}

// Known values are JSON; terraform's type checks passed when it planned: compared as JavaScript does.
type Comparable = string | number;
const COMPARISONS: Record<string, (a: unknown, b: unknown) => unknown> = {
  logicalAnd: (a, b) => a && b,
  logicalOr: (a, b) => a || b,
  equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  notEqual: (a, b) => JSON.stringify(a) !== JSON.stringify(b),
  greaterThan: (a, b) => (a as Comparable) > (b as Comparable),
  greaterThanOrEqual: (a, b) => (a as Comparable) >= (b as Comparable),
  lessThan: (a, b) => (a as Comparable) < (b as Comparable),
  lessThanOrEqual: (a, b) => (a as Comparable) <= (b as Comparable),
};

async function binary(operator: string, left: Value, right: Value, node: Node, ctx: EvalContext): Promise<Value> {
  const op = COMPARISONS[operator];
  // A comparison of resource attributes (a filter t.name != "x"): as the plan plans them.
  const planned = ctx.planned;
  if (planned) {
    left = planned(left) ?? left;
    right = planned(right) ?? right;
  }
  if (op && left.kind === "known" && right.kind === "known")
    return { kind: "known", value: op(left.value, right.value) };
  return opaque(node, ctx);
}

async function unary(node: Ast.UnaryOpExpression, operand: Value, ctx: EvalContext): Promise<Value> {
  if (operand.kind === "known" && typeof operand.value === "boolean" && String(node.meta?.value).startsWith("!")) {
    return { kind: "known", value: !operand.value };
  }
  return opaque(node, ctx);
}

/** `{ for k, v in X : k => v if cond }` and `[for v in X : v.attr]` over a collection known in source. */
async function forExpression(node: Ast.ForExpression, ctx: EvalContext): Promise<Value> {
  const meta = node.meta;
  const [collectionNode, ...rest] = node.children ?? [];
  const keyNode = meta.keyExpression ? rest.shift() : undefined;
  const valueNode = rest.shift();
  const conditionNode = meta.conditionalExpression ? rest.shift() : undefined;
  const collection = await evalNode(collectionNode, ctx);
  const entries = entriesOf(collection);
  if (!entries || !valueNode || meta.groupedValue) return opaque(node, ctx);
  const fields: Record<string, Value> = {};
  const items: Value[] = [];
  for (const [key, value] of entries) {
    const bindings = new Map(ctx.bindings);
    if (meta.keyVar) bindings.set(meta.keyVar, { kind: "known", value: key });
    bindings.set(meta.valVar, value);
    const inner = { ...ctx, bindings };
    if (conditionNode) {
      const keep = await evalNode(conditionNode, inner);
      if (keep.kind !== "known" || typeof keep.value !== "boolean") return opaque(node, ctx);
      if (!keep.value) continue;
    }
    const result = await evalNode(valueNode, inner);
    if (!keyNode) {
      items.push(result);
      continue;
    }
    const resultKey = await evalNode(keyNode, inner);
    if (resultKey.kind !== "known") return opaque(node, ctx);
    fields[String(resultKey.value)] = result;
  }
  return keyNode ? { kind: "map", fields } : { kind: "list", items };
}

/** The [key, value] pairs of a list (index keys) or map known in source. */
export function entriesOf(value: Value): Array<[string | number, Value]> | undefined {
  if (value.kind === "list") return value.items.map((item, i) => [i, item]);
  if (value.kind === "map") return Object.entries(value.fields);
  if (value.kind === "known" && Array.isArray(value.value))
    return value.value.map((v, i) => [i, { kind: "known", value: v }]);
  if (value.kind === "known" && value.value !== null && typeof value.value === "object") {
    return Object.entries(value.value).map(([k, v]) => [k, { kind: "known", value: v }]);
  }
  return undefined;
}

/**
 * An expression outside the subset: like plan JSON, what it references (its value derives from them),
 * or unknown when something it references is itself unknown or known in source: a function of known
 * values is a value of its own (upper("x") is not "x"), which only evaluating it would give.
 */
async function opaque(node: Node, ctx: EvalContext): Promise<Value> {
  const values: Value[] = [];
  // A for-expression's own symbols (t in `[for t in X : t.arn]`) are not references: X is.
  const walk = async (n: Node, bound: ReadonlySet<string>): Promise<void> => {
    if (n.type === "scopeTraversal") {
      if (!bound.has(n.meta?.traversal?.[0]?.segment)) values.push(await traversal(n.meta?.traversal ?? [], ctx));
      return;
    }
    const inner = n.type === "for" ? new Set([...bound, n.meta?.keyVar, n.meta?.valVar].filter(Boolean)) : bound;
    for (const child of n.children ?? []) await walk(child, inner);
  };
  await walk(node, new Set());
  const outside = UNKNOWN(`${node.meta?.value ?? node.type} (outside what source evaluation follows)`);
  if (values.some((v) => v.kind === "unknown")) return outside;
  // A missing attribute is an error in Terraform: the whole expression fails (try() moves on).
  if (values.some((v) => v.kind === "absent")) return { kind: "absent" };
  return values.every(onlyReferences) ? { kind: "any", values } : outside;
}

/** A value made of references only: what an opaque expression of it derives from is all it says. */
function onlyReferences(value: Value): boolean {
  if (value.kind === "refs") return true;
  if (value.kind === "list") return value.items.every(onlyReferences);
  if (value.kind === "map") return Object.values(value.fields).every(onlyReferences);
  if (value.kind === "any") return value.values.every(onlyReferences);
  return false;
}

/** A value entirely known in source as plain JSON, else undefined. */
export function plainValue(value: Value): unknown {
  if (value.kind === "known") return value.value;
  if (value.kind === "list") {
    const items = value.items.map(plainValue);
    return items.includes(undefined) ? undefined : items;
  }
  if (value.kind === "map") {
    const entries = Object.entries(value.fields).map(([k, v]) => [k, plainValue(v)] as const);
    return entries.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(entries);
  }
  return undefined;
}
