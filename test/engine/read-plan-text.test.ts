// Reading a plan's text: a regular file in one read (anything else in chunks), and the duplicate-key scan
// of parsePlan on objects of any number of keys.
import { readFileSync } from "node:fs";
import { readBounded } from "../../src/engine/plan/read-bounded";
import { scanJson } from "../../src/engine/plan/strict-json";

describe("scanJson", () => {
  test("an object of many keys: a duplicate past the first few is found", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(scanJson(`{${keys.join(",")}}`).duplicate).toBeUndefined();
    expect(scanJson(`{${keys.join(",")},"k30":1}`).duplicate).toEqual({ key: "k30", path: "(root)" });
    expect(scanJson(`{"a":{"k3":1,"k3":2}}`).duplicate).toEqual({ key: "k3", path: ".a" });
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
