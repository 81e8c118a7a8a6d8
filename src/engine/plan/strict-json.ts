/**
 * One pass over JSON text, without building values: how deep it nests and the first object key that
 * appears twice in the same object. JSON.parse keeps the last of duplicate keys while other readers
 * (Go's encoding/json in terraform and OPA, the AWS policy engines) may keep another, so a document
 * with duplicates does not have one meaning and cannot be judged.
 * The text is assumed to be valid JSON (JSON.parse checks that); on invalid text the result is only
 * meaningful for the depth.
 */
export interface JsonScan {
  /** Deepest nesting of objects and arrays. */
  readonly depth: number;
  /** The first key found twice in one object, and where that object is (e.g. `.resource_changes[3].change`). */
  readonly duplicate?: { readonly key: string; readonly path: string };
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

/**
 * Keys of one open object: a short list searched in order (most objects of a plan are small, and a Set
 * per object was a third of the scan), then a Set.
 */
interface ObjectFrame {
  list: string[];
  keys?: Set<string>;
  current?: string;
}

const LISTED_KEYS = 8;

export function scanJson(text: string, maxDepth = Number.POSITIVE_INFINITY): JsonScan {
  // frames[i] is an ObjectFrame, or the running index of an array; frames past maxDepth are not kept
  // (the text will be refused for its depth), only counted.
  const frames: Array<ObjectFrame | number> = [];
  let depth = 0;
  let deepest = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = depth <= maxDepth ? frames[depth - 1] : undefined;
      if (expectKey && typeof top === "object") {
        const key = decodeKey(text, i, end);
        if (!addKey(top, key)) {
          return {
            depth: shapeFrom(text, i, depth, deepest).depth,
            duplicate: { key, path: pathOf(frames, depth - 1) },
          };
        }
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth <= maxDepth) frames[depth - 1] = c === OPEN_OBJECT ? { list: [] } : 0;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      expectKey = false;
    } else if (c === COMMA && depth >= 1 && depth <= maxDepth) {
      const top = frames[depth - 1];
      if (typeof top === "number") frames[depth - 1] = top + 1;
      else expectKey = true;
    }
  }
  return { depth: deepest };
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

/** A key as JSON means it: "a" and "\u0061" are the same key. */
function decodeKey(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return raw;
  }
}

/** Records a key of an object; false when the object already has it. */
function addKey(frame: ObjectFrame, key: string): boolean {
  frame.current = key;
  if (frame.keys) {
    if (frame.keys.has(key)) return false;
    frame.keys.add(key);
    return true;
  }
  const list = frame.list;
  for (let i = 0; i < list.length; i++) if (list[i] === key) return false;
  if (list.length < LISTED_KEYS) list.push(key);
  else frame.keys = new Set([...list, key]);
  return true;
}

function pathOf(frames: ReadonlyArray<ObjectFrame | number>, upTo: number): string {
  let path = "";
  for (let i = 0; i < upTo; i++) {
    const frame = frames[i];
    if (typeof frame === "number") path += `[${frame}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(frame.current ?? "")) path += `.${frame.current}`;
    else path += `[${JSON.stringify(frame.current)}]`;
  }
  return path || "(root)";
}

/** What JSON text holds, counted without parsing it. */
export interface JsonShape {
  /** Deepest nesting of objects and arrays. */
  readonly depth: number;
  /** Objects and arrays. */
  readonly containers: number;
  /** Commas outside strings: one per element or member after the first of its container. */
  readonly commas: number;
  /** Colons outside strings: one per object member, so one more than the parsed objects keep of a key written twice. */
  readonly colons: number;
}

/** The shape of text[from..], given the nesting at `from` (the rest of a scan that a duplicate stopped). */
function shapeFrom(text: string, from: number, depth: number, deepest: number): JsonShape {
  let containers = 0;
  let commas = 0;
  let colons = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      containers++;
      deepest = Math.max(deepest, ++depth);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
    else if (c === COMMA) commas++;
    else if (c === COLON) colons++;
  }
  return { depth: deepest, containers, commas, colons };
}

/**
 * Deepest nesting of a JSON document written inside a plan's string (a policy, a template) that is parsed:
 * past it, JSON.parse's memory and the walks over its value grow with the nesting (two million levels
 * overflowed the stack of the walk that links shards). The shards leave such a string as it is, and the
 * policy input replaces it with a marker (policy-input.ts) that the policies report as unprovable. No
 * policy AWS accepts nests nearly this deep.
 */
export const EMBEDDED_JSON_MAX_DEPTH = 100;

/**
 * The most leastParsedBytes may count for a JSON document in a plan's string before it is left unparsed:
 * such a string is bounded only by the plan's size, and one string of "[]," could take gigabytes to
 * parse. No policy or resource description AWS accepts comes near it.
 */
export const EMBEDDED_JSON_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Why a JSON document in a plan's string is not parsed ("nests deeper than 100 levels", "needs at least
 * 70 MiB to parse"), or undefined when it may be.
 */
export function embeddedJsonRefusal(text: string): string | undefined {
  const shape = jsonShape(text);
  if (shape.depth > EMBEDDED_JSON_MAX_DEPTH) return `nests deeper than ${EMBEDDED_JSON_MAX_DEPTH} levels`;
  const least = leastParsedBytes(shape);
  if (least > EMBEDDED_JSON_MAX_BYTES) return `needs at least ${Math.floor(least / (1024 * 1024))} MiB to parse`;
  return undefined;
}

/**
 * Whether `text`, past JSON's whitespace (space, tab, newline, return), begins an object or an array: the
 * test for a JSON document in a string, met by every string of a plan (trimStart() would copy the ones
 * that begin with a blank).
 */
export function opensContainer(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c === OPEN_OBJECT || c === OPEN_ARRAY;
  }
  return false;
}

/** `text` parsed as JSON; undefined when it is not JSON, or embeddedJsonRefusal refuses it. */
export function parseEmbeddedJson(text: string): unknown {
  if (embeddedJsonRefusal(text) !== undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The nesting, objects and arrays, elements and members of JSON text, in one pass without keys (about a
 * third of scanJson's time). Checked before JSON.parse, whose memory grows with the nesting (a 100 MB text
 * nested 50 million deep took it 4.9 GB) and with the objects and arrays (leastParsedBytes); the members
 * tell parsedCheck whether a key may be written twice.
 */
export function jsonShape(text: string): JsonShape {
  return shapeFrom(text, 0, 0, 0);
}

/**
 * The least memory JSON.parse takes for text of this shape, in bytes: V8 gives an object or array at
 * least three 8-byte fields (map, properties, elements) and each element or member at least an 8-byte
 * slot (but a key written twice, which parsePlan refuses anyway); strings and numbers may take nothing
 * more (repeated short strings are shared), so they are not counted. A plan of empty arrays, 240 MB of
 * "[]," (80 million arrays), took JSON.parse 6.5 GB and the run 150 s before it was refused; this bound
 * is 2.5 GB, so such a plan is refused before it is parsed.
 */
export function leastParsedBytes(shape: JsonShape): number {
  return 24 * shape.containers + 8 * shape.commas;
}

/**
 * Whether `text`, which JSON.parse read as `value`, may have a key twice in one object: a check of the
 * parsed value, cheaper than scanJson's pass over the text, which then finds the key and where it is.
 * JSON.parse keeps one of duplicate keys, so the parsed objects then have fewer keys than the text has
 * colons outside strings (its shape counts them). A value nested deeper than maxDepth is not walked
 * (true: let scanJson, which does not recurse, decide).
 */
export function mayRepeatKeys(text: string, value: unknown, maxDepth = 1000): boolean {
  return parsedCheck(jsonShape(text), value, maxDepth).mayRepeatKeys;
}

/**
 * mayRepeatKeys, given the text's shape, and whether a number of the text was beyond a double
 * (JSON.parse reads 1e400 as Infinity, which JSON.stringify then writes as null: a value the policy
 * would read as unset), in one walk of the parsed value.
 */
export function parsedCheck(
  shape: JsonShape,
  value: unknown,
  maxDepth = 1000,
): { readonly mayRepeatKeys: boolean; readonly overflows: boolean } {
  let keys = 0;
  let tooDeep = false;
  let overflows = false;
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === "number") {
      if (item === Infinity || item === -Infinity) overflows = true;
    } else if (typeof item === "object" && item !== null) {
      if (depth > maxDepth) {
        tooDeep = true;
      } else if (Array.isArray(item)) {
        for (let i = 0; i < item.length; i++) visit(item[i], depth + 1);
      } else {
        // Own keys only: an enumerable property added to Object.prototype is in no parsed object.
        const object = item as Record<string, unknown>;
        const own = Object.keys(object);
        keys += own.length;
        for (let i = 0; i < own.length; i++) visit(object[own[i]], depth + 1);
      }
    }
  };
  visit(value, 1);
  return { mayRepeatKeys: tooDeep || shape.colons !== keys, overflows };
}

/** Where the first number beyond a double is in a parsed value (parsedCheck found one), as a path. */
export function overflowingNumber(value: unknown, path = ""): string | undefined {
  if (value === Infinity || value === -Infinity) return path || "(root)";
  if (typeof value !== "object" || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const found = overflowingNumber((value as Record<string, unknown>)[key], at);
    if (found) return found;
  }
  return undefined;
}

/** The first key `text` has twice in one object (JSON.parse read it as `value`), scanned for only when mayRepeatKeys says it may. */
export function repeatedKey(text: string, value: unknown): JsonScan["duplicate"] {
  return mayRepeatKeys(text, value) ? scanJson(text).duplicate : undefined;
}
