// The same notion of "narrows the caller" as DDB-FGAC-005 (policies/lib/iam/conditions/conditions.rego), so
// that the construct never accepts a resource policy the gate refuses.
const CALLER_KEYS = new Set([
  "aws:principalaccount",
  "aws:principalorgid",
  "aws:principalarn",
  "aws:sourcevpce",
  "aws:sourcevpc",
]);
// Positive single-value operators: set operators, negations, Null and ...IfExists narrow nothing.
const POSITIVE_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);
const WILDCARD_OPERATORS = new Set(["stringlike", "arnequals", "arnlike"]);
const RESOURCE_VARIABLES = /\$\{aws:resource(account|orgid)\}/gi;

type Statement = Record<string, unknown>;

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** Whether a statement names every principal: "*", {"AWS": "*"} (or a list holding it), or NotPrincipal. */
export function allowsAnyPrincipal(statement: Statement): boolean {
  if (statement.NotPrincipal !== undefined) return true;
  const principal = statement.Principal;
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  return asList((principal as Record<string, unknown>).AWS).includes("*");
}

/** Whether some condition of the statement pins the caller to something specific. */
export function narrowsCaller(statement: Statement): boolean {
  const condition = statement.Condition;
  if (typeof condition !== "object" || condition === null) return false;
  return Object.entries(condition as Record<string, unknown>).some(([operator, keys]) => {
    const op = operator.toLowerCase();
    if (!POSITIVE_OPERATORS.has(op) || typeof keys !== "object" || keys === null) return false;
    return Object.entries(keys as Record<string, unknown>).some(([key, values]) => {
      const list = asList(values);
      return CALLER_KEYS.has(key.toLowerCase()) && list.length > 0 && list.every((v) => specific(op, v));
    });
  });
}

function specific(operator: string, value: unknown): boolean {
  if (typeof value !== "string") return false;
  const text = value.replace(RESOURCE_VARIABLES, "resource").toLowerCase();
  if (text.includes("${")) return false;
  if (!WILDCARD_OPERATORS.has(operator) || !/[*?]/.test(text)) return true;
  const account = text.split(":")[4];
  return account !== undefined && account !== "" && !/[*?]/.test(account);
}
