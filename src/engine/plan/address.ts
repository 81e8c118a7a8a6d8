/**
 * Terraform resource and module addresses, and references to their attributes: the one grammar every
 * address is read and written with. An instance key is `[<number>]` or `["<string>"]`, where the string
 * escapes `"` and `\` with a backslash and may hold `]`, `.` or `[`: a key cannot be cut out with a
 * pattern like `\[[^\]]*\]`, nor an address split at its dots.
 */
const NAME = "[A-Za-z0-9_-]+";
const INSTANCE_KEY = String.raw`\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\]`;
const MODULE_STEP = `module\\.(${NAME})(?:${INSTANCE_KEY})?`;
const MODULE_KEYS = new RegExp(`(module\\.${NAME})${INSTANCE_KEY}`, "g");
const ANY_KEY = new RegExp(INSTANCE_KEY, "g");
const TRAILING_KEY = new RegExp(`${INSTANCE_KEY}$`);
const ONLY_KEY = new RegExp(`^${INSTANCE_KEY}$`);
const LEADING_MODULE_STEP = new RegExp(`^${MODULE_STEP}`);
const MODULE_STEPS = new RegExp(`^${MODULE_STEP}(?:\\.${MODULE_STEP})*`);
/** The object a reference starts with: a module call, a data source or a managed resource. */
const REFERENCED_OBJECT = new RegExp(`^(module\\.${NAME}|data\\.${NAME}\\.${NAME}|${NAME}\\.${NAME})`);
const RESOURCE_ATTRIBUTE = new RegExp(`^(${NAME}\\.${NAME}(?:${INSTANCE_KEY})?)\\.(${NAME})$`);
// module.<name>[key] steps, then type.name[key]: the longest address at each place in a text.
const ADDRESS_IN_TEXT = new RegExp(
  `(?<![\\w.-])(?:module\\.[\\w-]+(?:${INSTANCE_KEY})?\\.)*(?:data\\.)?[a-z]\\w*\\.[\\w-]+(?:${INSTANCE_KEY})?`,
  "g",
);

/** "module.a[\"x]\"].module.b[0]" -> "module.a.module.b": configuration is per module, not per instance. */
export function withoutModuleKeys(moduleAddress: string): string {
  return moduleAddress.replace(MODULE_KEYS, "$1");
}

/** 'module.a["k"].aws_x.y[0]' -> "module.a.aws_x.y": the resource of the configuration. */
export function withoutInstanceKeys(address: string): string {
  return address.replace(ANY_KEY, "");
}

/** "aws_x.y[\"a]\"]" -> "aws_x.y"; an address without a trailing instance key is returned as it is. */
export function withoutInstanceKey(address: string): string {
  return address.replace(TRAILING_KEY, "");
}

/** Whether `address` is `base` followed by exactly one instance key. */
export function isInstanceOf(address: string, base: string): boolean {
  return address.startsWith(base) && ONLY_KEY.test(address.slice(base.length));
}

/** "module.a[\"x.module.y\"].module.b.aws_x.y" -> ["module.a[\"x.module.y\"]", "module.b"]. */
export function moduleSteps(address: string): string[] {
  const steps = MODULE_STEPS.exec(address)?.[0] ?? "";
  const found: string[] = [];
  for (let rest = steps; rest; rest = rest.slice(found[found.length - 1].length + 1)) {
    found.push(LEADING_MODULE_STEP.exec(rest)![0]);
  }
  return found;
}

/** "module.a[0].module.b.aws_x.y" -> ["a", "b"]: the module calls on the way to an address. */
export function moduleCallNames(address: string): string[] {
  return moduleSteps(address).map((step) => LEADING_MODULE_STEP.exec(step)![1]);
}

/** "module.a[\"k\"].out" -> "a": the module call an address or reference starts with, if it does. */
export function moduleCallName(address: string): string | undefined {
  return LEADING_MODULE_STEP.exec(address)?.[1];
}

/** "aws_vpc.this[0].id" -> "aws_vpc.this", "data.a.b.c" -> "data.a.b", "module.m[\"k\"].o" -> "module.m". */
export function referencedObject(reference: string): string {
  return REFERENCED_OBJECT.exec(reference)?.[1] ?? reference;
}

/** 'aws_x.y["a]"].arn' -> ['aws_x.y["a]"]', "arn"]: one attribute of a managed resource (instance). */
export function resourceAttribute(reference: string): [resource: string, attribute: string] | undefined {
  const match = RESOURCE_ATTRIBUTE.exec(reference);
  return match ? [match[1], match[2]] : undefined;
}

/** Every address written in a text, each the longest at its place. */
export function addressesIn(text: string): string[] {
  return [...text.matchAll(ADDRESS_IN_TEXT)].map((match) => match[0]);
}

/**
 * The instance key as Terraform writes it in an address (addrs.StringKey): HCL's quoting, where a
 * template introducer is doubled ("$${") and a character that does not print is a \u or \U escape.
 */
export function instanceKey(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  const chars = [...key]; // code points, as Go ranges over a string
  let quoted = "";
  for (const [i, c] of chars.entries()) {
    const point = c.codePointAt(0)!;
    if (HCL_ESCAPES[c]) quoted += HCL_ESCAPES[c];
    else if ((c === "$" || c === "%") && chars[i + 1] === "{") quoted += c + c;
    else if (PRINTABLE.test(c)) quoted += c;
    else if (point < 0x10000) quoted += `\\u${point.toString(16).padStart(4, "0")}`;
    else quoted += `\\U${point.toString(16).padStart(8, "0")}`;
  }
  return `["${quoted}"]`;
}

const HCL_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\" };
// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
