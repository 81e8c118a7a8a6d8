// Every input the gate cannot fully evaluate exits 2 with a one-line reason; nothing unevaluated passes.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GuardrailsError,
  MAX_MEMORY_MIB,
  checkPlan,
  loadBundle,
  parsePlan,
  readPlan,
  validatePlan,
} from "../../src/engine";
import { residentMiB } from "../../src/engine/policy/worker-pool";
import { FIXTURES, ROOT, fixturePlan, runCli } from "../helpers/paths";
import { badPlans, compliant, edited, table, text, violating, zeroInstances } from "./bad-plans";

const bundle = loadBundle();

/** A real plan with `json` written as the value of one more key. */
function planWith(json: string): string {
  const plan = violating();
  plan.padding = "__PADDING__";
  return text(plan).replace('"__PADDING__"', json);
}

/** A JSON document nested `depth` levels deep inside a real plan. */
const nested = (depth: number) => planWith("[".repeat(depth) + "]".repeat(depth));

/** 700,000 empty arrays inside a real plan: at least 21 MiB once parsed (24 bytes each, 8 per element). */
const emptyArrays = () => planWith(`[${"[],".repeat(700_000)}[]]`);

function expectOneLineError(
  run: { status: number | null; stdout: string; stderr: string },
  reason: RegExp | string,
): void {
  expect(run.status).toBe(2);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ddb-guardrails: error: /);
  expect(lines[0]).toMatch(reason);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe("plans the engine refuses", () => {
  test.each(badPlans)("$input", ({ plan, says }) => {
    expect(() => parsePlan(plan(), "plan.json")).toThrow(GuardrailsError);
    expect(() => parsePlan(plan(), "plan.json")).toThrow(says);
  });

  test("validatePlan checks a plan object that did not come through readPlan/parsePlan", () => {
    const plan = violating();
    table(plan).mode = "data";
    expect(() => validatePlan(plan, { bundle })).toThrow(/does not match its mode, type and name/);
  });

  test("a deposed object may share the address of its replacement (create_before_destroy)", () => {
    const plan = edited((p) =>
      p.resource_changes.push({
        ...table(p),
        deposed: "00000001",
        change: { ...table(p).change, actions: ["delete"], after: null },
      }),
    );
    // Read, not refused; and deleting the deposed table is a replacement that loses its data (DDB-REC-004).
    expect(validatePlan(parsePlan(plan, "plan.json"), { bundle }).violations.map((f) => f.rule)).toEqual([
      "DDB-ENC-001",
      "DDB-REC-004",
    ]);
  });

  test("a rule that errors inside wasm fails the evaluation instead of dropping the rule", () => {
    // A deposed object that is kept (forget) and differs from the current object: both land on the same
    // address in the plan model, an object insert conflict inside the policy.
    const plan = parsePlan(
      edited((p) => {
        const current = table(p);
        p.resource_changes.push({
          ...current,
          deposed: "00000001",
          change: { ...current.change, actions: ["forget"], after: { ...current.change.after, name: "old" } },
        });
      }),
      "plan.json",
    );
    expect(() => validatePlan(plan, { bundle })).toThrow(GuardrailsError);
    expect(() => validatePlan(plan, { bundle })).toThrow(/policy evaluation failed: .*conflict/);
  });

  test("values known only after apply that the model cannot follow are findings, not passes", () => {
    const report = validatePlan(readPlan(fixturePlan("reliability-unresolvable-key")), { bundle });
    expect(report.summary.passed).toBe(false);
    const encryption = report.violations.filter((f) => f.guardrail === "encryption").map((f) => [f.address, f.rule]);
    expect(encryption).toEqual([["aws_dynamodb_table.invalid_key_from_unknown_source", "DDB-ENC-001-UNPROVABLE"]]);
  });

  test("every real fixture plan passes the checks (they do not refuse what terraform writes)", () => {
    const names = readdirSync(FIXTURES).filter((name) => existsSync(fixturePlan(name)));
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) {
      expect(() => checkPlan(JSON.parse(readFileSync(fixturePlan(name), "utf8")), name)).not.toThrow();
    }
    expect(validatePlan(parsePlan(text(compliant()), "plan.json"), { bundle }).summary.passed).toBe(true);
  });
});

describe("plans that are honest about having nothing (issue 12, class 8)", () => {
  test("blocks that may have no instance are accepted: count = 0, for_each = {}, count = var.n, a module called 0 times", () => {
    const plan = zeroInstances();
    expect(plan.resource_changes.map((c: { address: string }) => c.address)).toEqual([
      "aws_kms_key.valid_counted[0]",
      "aws_kms_key.valid_counted[1]",
      "aws_kms_key.valid_key",
    ]);
    expect(() => checkPlan(plan, "plan.json")).not.toThrow();
  });

  test("a plan without any resource passes and says so", () => {
    const run = runCli(["validate", fixturePlan("plan-no-resources")]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^PASS no resources to check \(ddb-guardrails /);
    const markdown = runCli(["validate", fixturePlan("plan-no-resources"), "-f", "markdown"]);
    expect(markdown.stdout).toMatch(/no resources to check/);
  });
});

describe("plans saved with a byte-order mark or as UTF-16 (issue 14, item 7)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ddb-encoding-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const original = readFileSync(fixturePlan("table-unencrypted"), "utf8");
  const utf16be = (s: string) => Buffer.from(s, "utf16le").swap16();
  const saved = (name: string, bytes: Buffer) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };

  test.each([
    ["UTF-8 with a byte-order mark", () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(original)])],
    [
      "UTF-16LE with a byte-order mark (PowerShell >)",
      () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(original, "utf16le")]),
    ],
    ["UTF-16BE with a byte-order mark", () => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(original)])],
  ])("%s is read: the same report as the UTF-8 plan", (_case, bytes) => {
    // The UTF-8 plan from stdin too: beside its fixture's .tf files it would be read with its source.
    const expected = runCli(["validate", "-", "-f", "json"], { input: original });
    const file = runCli(["validate", saved("plan.json", bytes()), "-f", "json"]);
    const stdin = runCli(["validate", "-", "-f", "json"], { input: bytes() });
    for (const run of [file, stdin]) {
      expect(run.stderr).toBe("");
      expect(run.status).toBe(1);
      expect(JSON.parse(run.stdout).violations).toEqual(JSON.parse(expected.stdout).violations);
    }
  });

  test.each([
    [
      "UTF-16LE without a byte-order mark",
      () => Buffer.from(original, "utf16le"),
      /holds a NUL byte at offset 1 \(UTF-16LE without a byte-order mark\?\)/,
    ],
    [
      "UTF-16BE without a byte-order mark",
      () => utf16be(original),
      /holds a NUL byte at offset 0 \(UTF-16BE without a byte-order mark\?\)/,
    ],
    [
      "a NUL byte inside UTF-8 JSON",
      () => Buffer.from(original.replace("}", "}\u0000")),
      /holds a NUL byte at offset \d+;/,
    ],
  ])("%s is refused in one line without NUL bytes", (_case, bytes, reason) => {
    const run = runCli(["validate", "-"], { input: bytes() });
    expectOneLineError(run, reason);
    expect(run.stderr).not.toContain("\u0000");
  });
});

describe('module and resource instance keys holding ] " . (issue 14, item 9)', () => {
  test("a real plan with such keys is read, and each instance is judged by its own values", () => {
    // The keys are what is tested: the tables' encryption and recovery, not their monitoring.
    const report = validatePlan(readPlan(fixturePlan("model-instance-keys")), {
      bundle,
      rules: ["encryption", "recovery"],
    });
    expect(report.violations.map((f) => [f.address, f.rule])).toEqual([
      ['aws_dynamodb_table.fleet["invalid_no_pitr]"]', "DDB-REC-001"],
      ['module.regional["invalid_aws_managed_key]."].aws_dynamodb_table.this', "DDB-ENC-001"],
    ]);
    expect(report.summary.resources).toBe(8);
  });

  test("the CLI locates instances with such keys in their .tf files", () => {
    const run = runCli(["validate", fixturePlan("model-instance-keys")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /module\.regional\["invalid_aws_managed_key\]\."\]\.aws_dynamodb_table\.this +DDB-ENC-001 .*\[test\/fixtures\/model-instance-keys\/store\/main\.tf:10\]/,
    );
  });
});

describe("policy JSON with a key twice in one object (issue 14, item 10)", () => {
  test("the document is unprovable, naming the key, instead of read as its last value", () => {
    const report = validatePlan(readPlan(fixturePlan("fgac-policy-duplicate-keys")), { bundle });
    const policies = report.violations.filter((f) => f.address.startsWith("aws_dynamodb_resource_policy."));
    const byAddress = (address: string) =>
      policies.filter((f) => f.address === `aws_dynamodb_resource_policy.${address}`);
    expect(byAddress("valid_account_principal")).toEqual([]);
    expect(byAddress("invalid_duplicate_effect").map((f) => f.rule)).toContain("DDB-FGAC-005-UNPROVABLE");
    expect(byAddress("invalid_duplicate_principal").map((f) => f.rule)).toContain("DDB-FGAC-005-UNPROVABLE");
    for (const f of policies) expect(f.rule).toMatch(/-UNPROVABLE$/);
    expect(byAddress("invalid_duplicate_effect")[0].message).toMatch(
      /the policy JSON has key "Effect" twice in \.Statement\[0\]; AWS may apply either value/,
    );
  });

  test("the same document with the duplicate removed is judged (the marker is not a blanket failure)", () => {
    const plan = JSON.parse(readFileSync(fixturePlan("fgac-policy-duplicate-keys"), "utf8"));
    const change = plan.resource_changes.find((c: { address: string }) =>
      c.address.endsWith("invalid_duplicate_effect"),
    );
    change.change.after.policy = change.change.after.policy.replace(', "Effect": "Deny"', "");
    const report = validatePlan(parsePlan(JSON.stringify(plan), "plan.json"), { bundle });
    const rules = report.violations.filter((f) => f.address === change.address).map((f) => f.rule);
    expect(rules).toContain("DDB-FGAC-005");
    expect(rules.filter((r) => r.endsWith("-UNPROVABLE"))).toEqual([]);
  });
});

describe("a policy document with more objects and arrays than any policy has", () => {
  test("is unprovable, saying so, and never given to JSON.parse", () => {
    const plan = JSON.parse(readFileSync(fixturePlan("fgac-policy-duplicate-keys"), "utf8"));
    const change = plan.resource_changes.find((c: { address: string }) =>
      c.address.endsWith("valid_account_principal"),
    );
    // 2.2 million empty arrays: at least 67 MiB once parsed, past the 64 MiB any JSON in a plan's strings may take.
    change.change.after.policy = `{"Statement":[${"[],".repeat(2_200_000)}[]]}`;
    const parsed = parsePlan(JSON.stringify(plan), "plan.json");
    const parse = jest.spyOn(JSON, "parse");
    try {
      const found = validatePlan(parsed, { bundle }).violations.filter((f) => f.address === change.address);
      expect(found.map((f) => f.rule)).toContain("DDB-FGAC-005-UNPROVABLE");
      for (const f of found) expect(f.message).toMatch(/the policy JSON needs at least 67 MiB to parse/);
      expect(parse.mock.calls.filter(([arg]) => typeof arg === "string" && arg.startsWith('{"Statement":[[]'))).toEqual(
        [],
      );
    } finally {
      parse.mockRestore();
    }
  });
});

describe("a policy document nested past what is parsed in a plan's strings", () => {
  /** The fixture with one resource policy replaced by JSON nested `depth` levels deep. */
  const deepPolicy = (depth: number) => {
    const plan = JSON.parse(readFileSync(fixturePlan("fgac-policy-duplicate-keys"), "utf8"));
    const change = plan.resource_changes.find((c: { address: string }) =>
      c.address.endsWith("valid_account_principal"),
    );
    change.change.after.policy = "[".repeat(depth) + "]".repeat(depth);
    return { plan: parsePlan(JSON.stringify(plan), "plan.json"), address: change.address as string };
  };

  test.each([1000, 2_000_000])("%d levels deep: unprovable, saying so, and never given to JSON.parse", (depth) => {
    const { plan, address } = deepPolicy(depth);
    const parse = jest.spyOn(JSON, "parse");
    try {
      const report = validatePlan(plan, { bundle });
      const found = report.violations.filter((f) => f.address === address);
      expect(found.map((f) => f.rule)).toContain("DDB-FGAC-005-UNPROVABLE");
      for (const f of found) expect(f.message).toMatch(/the policy JSON nests deeper than 100 levels/);
      expect(parse.mock.calls.filter(([arg]) => typeof arg === "string" && arg.startsWith("[[[["))).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });
});

describe("attributes named after Object.prototype members", () => {
  test("are attributes the provider schema does not know: the plan is judged as without them", () => {
    const findings = (plan: string) =>
      validatePlan(parsePlan(plan, "plan.json"), { bundle }).violations.map((f) => [f.rule, f.address]);
    const withNames = edited((p) => {
      const { change } = table(p);
      for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        // defineProperty: assigning __proto__ would set the prototype, not add a key.
        Object.defineProperty(change.after, name, { value: "x", enumerable: true });
        Object.defineProperty(change.after_unknown, name, { value: true, enumerable: true });
      }
      change.after.attribute[0].constructor = "x";
    });
    // "type is not iterable": the schema's prototype was read as the type of "constructor".
    expect(findings(withNames)).toEqual(findings(text(violating())));
  });
});

describe("limits", () => {
  test("nesting deeper than maxDepth is refused before parsing", () => {
    expect(() => parsePlan(nested(150), "plan.json")).toThrow(/nesting depth 151 exceeds the limit of 100/);
    expect(() => parsePlan(nested(150), "plan.json", { maxDepth: 200 })).not.toThrow(/nesting/);
    // deep enough to overflow a recursive parser's stack: still one clear error
    expect(() => parsePlan(nested(200_000), "plan.json")).toThrow(/nesting depth 200001 exceeds/);
  });

  test("a plan whose objects and arrays need more than maxMemoryMiB leaves of the process is refused before JSON.parse", () => {
    const arrays = emptyArrays();
    const parse = jest.spyOn(JSON, "parse");
    try {
      // The process holds what it holds (the test runner, the plan's text); 8 MiB more do not hold 21.
      expect(() => parsePlan(arrays, "plan.json", { maxMemoryMiB: residentMiB() + 8 })).toThrow(
        /^plan\.json: parsing it needs at least 21 MiB for its objects and arrays alone, besides the \d+ MiB the process holds with its text read, more than the memory limit of \d+ MiB \(--max-memory\); raise --max-memory \(up to 2048\), or split the plan$/,
      );
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(() => parsePlan(arrays, "plan.json", { maxMemoryMiB: residentMiB() + 64 })).not.toThrow(/memory limit/);
    // With no limit given (a library caller's process), the parsed form alone is held to 2048 MiB.
    expect(() => parsePlan(arrays, "plan.json")).not.toThrow(/memory limit/);
  });

  test("a plan larger than maxBytes is refused before it is read", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-limits-"));
    try {
      const file = join(dir, "plan.json");
      writeFileSync(
        file,
        edited((p) => (p.padding = "x".repeat(2 * 1024 * 1024))),
      );
      expect(() => readPlan(file, { maxBytes: 1024 * 1024 })).toThrow(/larger than the limit of 1048576 bytes/);
      expect(() => readPlan(file)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an evaluation that would grow wasm memory past the ceiling fails, and passes under the default", () => {
    const plan = parsePlan(
      edited((p) => (p.padding = "x".repeat(8 * 1024 * 1024))),
      "plan.json",
    );
    expect(() => validatePlan(plan, { bundle, maxMemoryMiB: 16 })).toThrow(
      /wasm memory limit of 16 MiB \(raise --max-memory \(up to 2048\), or split the plan\)/,
    );
    expect(validatePlan(plan, { bundle }).violations.map((f) => f.rule)).toEqual(["DDB-ENC-001"]);
    expect(() => validatePlan(plan, { bundle, maxMemoryMiB: 1 })).toThrow(/out of range/);
  });
});

describe("the CLI on bad input", () => {
  test.each(badPlans.filter((_, i) => i % 3 === 0))("exits 2 with one line on $input", ({ plan, says }) => {
    expectOneLineError(runCli(["validate", "-"], { input: plan() }), says);
  });

  test("--max-bytes, --max-depth and --max-memory set the limits, each with a clear error", () => {
    expectOneLineError(
      runCli(["validate", "-", "--max-depth", "50"], { input: nested(60) }),
      /nesting depth 61 exceeds the limit of 50 \(--max-depth\)/,
    );
    expectOneLineError(
      runCli(["validate", fixturePlan("table-unencrypted"), "--max-bytes", "1000"]),
      /larger than the limit of 1000 bytes \(--max-bytes\)/,
    );
    // --max-memory bounds the whole process: 16 MiB do not hold Node itself.
    const padded = edited((p) => (p.padding = "x".repeat(8 * 1024 * 1024)));
    expectOneLineError(
      runCli(["validate", "-", "--max-memory", "16"], { input: padded }),
      /^ddb-guardrails: error: stdin: the process holds \d+ MiB with its text read, already more than the memory limit of 16 MiB \(--max-memory\); raise --max-memory \(up to 2048\), or split the plan$/,
    );
    expect(runCli(["validate", "-", "--max-memory", "512"], { input: padded }).status).toBe(1);
    expectOneLineError(runCli(["validate", fixturePlan("table-unencrypted"), "--max-depth", "lots"]), /--max-depth/);
  });

  test("an unresolvable key reference exits 1 with an -UNPROVABLE finding", () => {
    const run = runCli(["validate", fixturePlan("reliability-unresolvable-key")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/DDB-ENC-001-UNPROVABLE/);
  });

  test.each([
    ["an uncaught exception", "throw new Error('boom\\nsecond line')"],
    ["an unhandled rejection", "Promise.reject(new Error('boom'))"],
    ["a thrown non-error", "throw 'boom'"],
  ])("%s anywhere in the CLI process exits 2 with one line, not node's 1", (_case, code) => {
    const crash = join(ROOT, "dist", "src", "cli", "crash.js");
    const run = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(crash)}); ${code}`], { encoding: "utf8" });
    expectOneLineError(run, /internal error: boom/);
  });

  test("the crash handler is installed before the CLI loads anything else", () => {
    const main = readFileSync(join(ROOT, "dist", "src", "cli", "main.js"), "utf8");
    const requires = [...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(requires[0]).toBe("./crash");
  });
});

describe("many distinct IAM action patterns (opa-wasm's glob.match stalled after about a hundred)", () => {
  /** fgac-policy-shapes with one policy holding `n` statements, each with the actions `actions(i)`. */
  const manyStatements = (n: number, actions: (i: number) => string[]) =>
    edited(
      (p) => {
        const change = p.resource_changes.find(
          (c: { address: string }) => c.address === "aws_iam_policy.invalid_not_resource",
        );
        const document = JSON.parse(change.change.after.policy);
        const [statement] = document.Statement;
        document.Statement = Array.from({ length: n }, (_, i) => ({ ...statement, Sid: `S${i}`, Action: actions(i) }));
        change.change.after.policy = JSON.stringify(document);
      },
      () => JSON.parse(readFileSync(fixturePlan("fgac-policy-shapes"), "utf8")),
    );

  test("1,000 statements of distinct exact actions are evaluated (they hung the gate before)", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "dist", "src", "cli", "main.js"), "validate", "-", "-f", "json"],
      {
        input: manyStatements(1000, (i) => [`dynamodb:Get${i}Item`, `s3:Put${i}Object`, "dynamodb:GetItem"]),
        encoding: "utf8",
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(
      JSON.parse(run.stdout).violations.some(
        (f: { address: string }) => f.address === "aws_iam_policy.invalid_not_resource",
      ),
    ).toBe(true);
  });

  test("500 distinct DynamoDB wildcard patterns in one plan are evaluated: a report, not a crash or a hang", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "dist", "src", "cli", "main.js"), "validate", "-", "-f", "json"],
      {
        input: manyStatements(250, (i) => [`dynamodb:Get${i.toString(36)}*`, `dynamodb:P?t${i}Item`]),
        encoding: "utf8",
        timeout: 240_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(run.signal).toBeNull();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    expect(
      JSON.parse(run.stdout).violations.some(
        (f: { address: string }) => f.address === "aws_iam_policy.invalid_not_resource",
      ),
    ).toBe(true);
  }, 300_000);
});

describe("bounds on time, memory and reading", () => {
  test("an evaluation past --timeout is stopped: exit 2, one line", () => {
    // From stdin: no Terraform source beside it, whose reading is bounded by --timeout first.
    expectOneLineError(
      runCli(["validate", "-", "--timeout", "0.001"], { input: readFileSync(fixturePlan("table-unencrypted")) }),
      /policy evaluation did not finish within 0\.001 s \(--timeout\)/,
    );
    expectOneLineError(
      runCli(["validate", fixturePlan("table-unencrypted"), "--timeout", "0.001"]),
      /the Terraform source could not be read \(reading the Terraform source did not finish within 0\.001 s \(--timeout\)\)/,
    );
    expect(runCli(["validate", fixturePlan("table-unencrypted"), "--timeout", "60"]).status).toBe(1);
    expectOneLineError(runCli(["validate", fixturePlan("table-unencrypted"), "--timeout", "0"]), /--timeout/);
  });

  test("every --max-memory accepted works; above 2 GiB (3072: wrong heap offsets, 4096: the heap end wraps to 0) is refused up front", () => {
    expect(runCli(["validate", fixturePlan("table-unencrypted"), "--max-memory", String(MAX_MEMORY_MIB)]).status).toBe(
      1,
    );
    for (const mib of [MAX_MEMORY_MIB + 1, 3072, 4095, 4096]) {
      expectOneLineError(
        runCli(["validate", fixturePlan("table-unencrypted"), "--max-memory", String(mib)]),
        new RegExp(`--max-memory.*expected 2 to ${MAX_MEMORY_MIB}`),
      );
    }
  });

  test("a device without end (/dev/zero) is read only up to --max-bytes", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "dist", "src", "cli", "main.js"), "validate", "/dev/zero", "--max-bytes", "1000"],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(run.signal).toBeNull();
    expectOneLineError(run, /\/dev\/zero: plan is larger than the limit of 1000 bytes/);
  });

  test("stdin is read only up to --max-bytes: the rest of a large input is never taken in", async () => {
    const child = spawn(process.execPath, [
      join(ROOT, "dist", "src", "cli", "main.js"),
      "validate",
      "-",
      "--max-bytes",
      String(1024 * 1024),
    ]);
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    child.stdout.resume();
    child.stdin.on("error", () => undefined); // EPIPE once the CLI stopped reading
    const block = Buffer.alloc(1024 * 1024, " ");
    let written = 0;
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    while (child.exitCode === null && written < 512 * 1024 * 1024 && !child.stdin.destroyed) {
      if (!child.stdin.write(block)) await new Promise((r) => setTimeout(r, 5));
      written += block.length;
    }
    child.stdin.destroy();
    expect(await closed).toBe(2);
    expect(stderr).toMatch(/stdin: plan is larger than the limit of 1048576 bytes/);
    expect(written).toBeLessThan(256 * 1024 * 1024); // the old reader took all 512 MiB before refusing
  }, 120_000);

  test("terraform show output past --max-bytes stops terraform and fails (saved plan file and directory)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-show-limit-"));
    try {
      const fake = join(dir, "terraform");
      // plan writes a saved plan (zip magic); show writes JSON without end
      writeFileSync(
        fake,
        `#!/bin/sh\nfor a in "$@"; do case "$a" in -out=*) printf 'PK\\003\\004' > "\${a#-out=}";; esac; done\n[ "$1" = show ] && exec yes '{"format_version":"1.2"}'\nexit 0\n`,
        { mode: 0o755 },
      );
      const saved = join(dir, "tfplan");
      writeFileSync(saved, "PK\u0003\u0004");
      const env = { TERRAFORM: fake };
      expectOneLineError(
        runCli(["validate", saved, "--max-bytes", "100000"], { env }),
        /terraform show -json output is larger than the limit of 100000 bytes/,
      );
      const project = join(dir, "project");
      mkdirSync(project);
      writeFileSync(join(project, "main.tf"), "");
      expectOneLineError(
        runCli(["validate", project, "--max-bytes", "100000"], { env }),
        /terraform show -json in .*: output is larger than the limit of 100000 bytes/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("report files (-o)", () => {
  test("-o through a symlink replaces the link with the report and leaves its target untouched", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-output-"));
    try {
      const target = join(dir, "precious.txt");
      writeFileSync(target, "keep me\n");
      symlinkSync(target, join(dir, "report.txt"));
      expect(runCli(["validate", fixturePlan("table-unencrypted"), "-o", join(dir, "report.txt")]).status).toBe(1);
      expect(readFileSync(target, "utf8")).toBe("keep me\n");
      expect(lstatSync(join(dir, "report.txt")).isSymbolicLink()).toBe(false);
      expect(readFileSync(join(dir, "report.txt"), "utf8")).toMatch(/DDB-ENC-001/);
      expect(readdirSync(dir).sort()).toEqual(["precious.txt", "report.txt"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // As root (CI), a device node of the test's own: were it renamed over, /dev/null would be gone for
  // everything else on the machine. Other users cannot rename over /dev/null, so they use it.
  test("-o to a character device (/dev/null) writes into it and leaves the device where it is (it was renamed over)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-output-"));
    try {
      let device = "/dev/null";
      if (process.getuid?.() === 0) {
        device = join(dir, "null");
        expect(spawnSync("mknod", ["-m", "666", device, "c", "1", "3"]).status).toBe(0);
      }
      const before = statSync(device);
      expect(runCli(["validate", fixturePlan("table-unencrypted"), "-o", device]).status).toBe(1);
      const after = lstatSync(device);
      expect({ device: after.isCharacterDevice(), rdev: after.rdev }).toEqual({ device: true, rdev: before.rdev });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // /dev/stdout and /dev/stderr are the same descriptors by name; /dev/fd/N cannot be renamed over even
  // by root, so a regression fails here without touching /dev.
  test.each(["/dev/fd/1", "/proc/self/fd/1"])("-o %s puts the report on standard output", (path) => {
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "-f", "json", "-o", path]);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).violations.map((f: { rule: string }) => f.rule)).toEqual(["DDB-ENC-001"]);
  });

  test("-o to a named pipe writes the report into the pipe, which stays a pipe", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-output-"));
    try {
      const fifo = join(dir, "report.pipe");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      const reader = spawn("cat", [fifo]);
      let read = "";
      reader.stdout.on("data", (chunk) => (read += chunk));
      const closed = new Promise((done) => reader.on("close", done));
      const run = spawnSync(
        process.execPath,
        [join(ROOT, "dist", "src", "cli", "main.js"), "validate", fixturePlan("table-unencrypted"), "-o", fifo],
        {
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      // A CLI that never opened the pipe leaves cat waiting for a writer.
      const unopened = setTimeout(() => reader.kill(), 5000);
      await closed;
      clearTimeout(unopened);
      expect(run.status).toBe(1);
      expect(read).toMatch(/DDB-ENC-001/);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("-o naming a folder is refused in one line, the folder untouched", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddb-output-"));
    try {
      expectOneLineError(
        runCli(["validate", fixturePlan("table-unencrypted"), "-o", dir]),
        /--output .*: cannot write: not a regular file/,
      );
      expect(lstatSync(dir).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("-o under a folder that cannot be created fails at once (it looped forever in mkdir)", () => {
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, "dist", "src", "cli", "main.js"),
        "validate",
        fixturePlan("table-unencrypted"),
        "-o",
        "/proc/self/nonexist/x",
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(run.signal).toBeNull();
    expectOneLineError(run, /--output \/proc\/self\/nonexist\/x: cannot write: ENOENT/);
  });
});

describe("project config and waivers through the CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "ddb-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const waiver = (fields: Record<string, unknown>) => ({
    rule: "DDB-ENC-001",
    address: "aws_dynamodb_table.invalid_aws_owned_key",
    reason: "migration ticket 42",
    expires: "2999-01-01",
    ...fields,
  });
  const withConfig = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return runCli([
      "validate",
      fixturePlan("table-unencrypted"),
      "--config",
      file,
      "--rules",
      "DDB-ENC-001",
      "-f",
      "json",
    ]);
  };

  test.each([
    ["config that is not YAML", "cfg.yml", "waivers: [unclosed", /is not valid YAML/],
    ["an unknown key", "cfg.json", JSON.stringify({ waiver: [] }), /unknown key "waiver"/],
    ["a waiver without a reason", "cfg.json", JSON.stringify({ waivers: [waiver({ reason: undefined })] }), /reason/],
    [
      "a waiver whose expiry is not a date",
      "cfg.json",
      JSON.stringify({ waivers: [waiver({ expires: "2026-02-30" })] }),
      /not a date/,
    ],
    [
      "a waiver for a rule that does not exist",
      "cfg.json",
      JSON.stringify({ waivers: [waiver({ rule: "DDB-ENC-999" })] }),
      /unknown rule id/,
    ],
  ])("%s: exit 2 with one line", (_case, name, text, reason) => {
    expectOneLineError(withConfig(name, text), reason);
  });

  test("an expired waiver waives nothing: the finding is reported again (exit 1), with a note", () => {
    const run = withConfig("expired.json", JSON.stringify({ waivers: [waiver({ expires: "2020-01-01" })] }));
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ violations: 1, waived: 0, passed: false });
    expect(run.stderr).toMatch(/expired on 2020-01-01/);
  });

  test("a valid waiver waives (exit 0), so the cases above are refusals, not ignored config", () => {
    const run = withConfig("valid.json", JSON.stringify({ waivers: [waiver({})] }));
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ violations: 0, waived: 1, passed: true });
  });
});
