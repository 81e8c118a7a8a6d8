// Reading a plan's text: a regular file in one read (anything else in chunks), and the duplicate-key scan
// of parsePlan on objects of any number of keys.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { readBounded } from "../../src/engine/plan/read-bounded";
import { parsePlan } from "../../src/engine/plan/read-plan";
import { mayRepeatKeys, scanJson } from "../../src/engine/plan/strict-json";

describe("scanJson", () => {
  test("an object of many keys: a duplicate past the first few is found", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(scanJson(`{${keys.join(",")}}`).duplicate).toBeUndefined();
    expect(scanJson(`{${keys.join(",")},"k30":1}`).duplicate).toEqual({ key: "k30", path: "(root)" });
    expect(scanJson(`{"a":{"k3":1,"k3":2}}`).duplicate).toEqual({ key: "k3", path: ".a" });
  });
});

describe("mayRepeatKeys: the check of the parsed value that decides whether the text is scanned", () => {
  const check = (text: string, maxDepth?: number) => mayRepeatKeys(text, JSON.parse(text), maxDepth);

  test.each([
    ['{"a":1,"a":2}'],
    ['{"a":{"b":1,"b":[]}}'],
    ['{"__proto__":1,"__proto__":2}'],
    // The same key, once with its colon escaped: the strings' colons must not hide the lost key.
    ['{"a:b":1,"a\\u003ab":2}'],
    ['[{"x":"1:2:3","y":{"k":"a:b","k":"c"}}]'],
  ])("a key twice in %s", (text) => {
    expect(check(text)).toBe(true);
    expect(scanJson(text).duplicate).toBeDefined();
  });

  test.each([
    ['{"a":1,"b":2}'],
    ['[{"k":1},{"k":1}]'],
    ['{"u":"\\u003A","v":"a:b:c","w:x":"y"}'],
    // An escaped backslash before u003a: the text "\\u003a" holds no escaped colon.
    ['{"x":"\\\\u003a:","y":1}'],
    ['{"1":1,"01":2,"1.0":3}'],
    ['{"__proto__":{"a":1}}'],
  ])("no key twice in %s", (text) => {
    expect(check(text)).toBe(false);
    expect(scanJson(text).duplicate).toBeUndefined();
  });

  // JSON text written by hand, so that objects may repeat keys and colons may be written as \u003a.
  const piece = fc.constantFrom("a", "b", ":", "\\", '"', "\\u003a", "u003a");
  const colon = fc.constantFrom(":", "\\u003a", "\\u003A");
  const stringText = fc
    .array(fc.tuple(piece, colon), { maxLength: 4 })
    .map(
      (parts) =>
        `"${parts
          .map(([text, written]) =>
            text === ":" ? written : text === "\\" ? "\\\\" : text === '"' ? '\\"' : text.replace("\\", "\\\\"),
          )
          .join("")}"`,
    );
  const { value } = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      stringText,
      fc.constantFrom("1", "true", "null"),
      fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
      fc
        .array(fc.tuple(stringText, tie("value")), { maxLength: 5 })
        .map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(",")}}`),
    ),
  }));

  test("agrees with scanJson on any text", () => {
    fc.assert(
      fc.property(value, (text) => {
        expect(check(text)).toBe(scanJson(text).duplicate !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  test("nesting past the limit", () => {
    expect(check('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(check('{"a":[{"b":{}}]}', 3)).toBe(true);
  });
});

describe("parsePlan", () => {
  test("counts the nesting before JSON.parse, whose memory grows with it", () => {
    const parse = jest.spyOn(JSON, "parse");
    try {
      expect(() => parsePlan(`${"[".repeat(1000)}${"]".repeat(1000)}`, "deep.json")).toThrow(
        /deep.json: JSON nesting depth 1000 exceeds the limit of 100/,
      );
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  test("names a repeated key found by the scan the parsed value called for", () => {
    expect(() => parsePlan('{"format_version":"1.2","format_version":"1.2"}', "plan.json")).toThrow(
      'plan.json: key "format_version" appears twice in the object at (root)',
    );
  });
});

describe("readBounded", () => {
  test("a file that reports no size (procfs) is read to its end in chunks", () => {
    expect(readBounded("/proc/self/cmdline", 1 << 20)).toEqual(readFileSync("/proc/self/cmdline"));
  });

  test("a regular file is read whole, and refused past the limit", () => {
    const file = require.resolve("../../package.json");
    expect(readBounded(file, 1 << 20)).toEqual(readFileSync(file));
    expect(() => readBounded(file, 10)).toThrow(/larger than the limit of 10 bytes/);
  });
});
