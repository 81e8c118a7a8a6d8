// A modified policy bundle is refused (exit 2): checked against the SHA-256 recorded at build time, or
// against an OPA bundle signature made with the user's own key.
import { execFileSync } from "node:child_process";
import { createHash, createHmac, generateKeyPairSync } from "node:crypto";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { GuardrailsError } from "../../src/engine";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBundle, readPlan, validatePlan } from "../../src/engine";
import { ROOT, fixturePlan, runCli } from "../helpers/paths";

const SHIPPED = join(ROOT, "bundle");
const FILES = ["policy.wasm", "data.json", "rules.json"] as const;
let work: string;
beforeAll(() => (work = mkdtempSync(join(tmpdir(), "ddb-bundle-"))));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let copies = 0;
/** A copy of the shipped bundle in a fresh temp folder. */
function copyBundle(): string {
  const dir = join(work, `bundle-${++copies}`);
  cpSync(SHIPPED, dir, { recursive: true });
  return dir;
}

/** Changes a file without breaking its format, as an attacker would. */
function tamper(dir: string, file: (typeof FILES)[number]): void {
  const path = join(dir, file);
  if (file === "policy.wasm") {
    appendFileSync(path, Buffer.from([0])); // a trailing byte: still loads as wasm in many runtimes
  } else if (file === "data.json") {
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), injected: true }));
  } else {
    const catalog = JSON.parse(readFileSync(path, "utf8"));
    catalog.rules[0].severity = "low"; // would lower a rule below --fail-on
    writeFileSync(path, `${JSON.stringify(catalog, null, 1)}\n`);
  }
}

let keys = 0;
const keyPair = (type: "rsa" | "ec") => {
  keys++;
  const pair =
    type === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const files = { priv: join(work, `${type}-${keys}-private.pem`), pub: join(work, `${type}-${keys}-public.pem`) };
  writeFileSync(files.priv, pair.privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(files.pub, pair.publicKey.export({ type: "spki", format: "pem" }));
  return files;
};

/** Signs the folder's files the way a user would: `opa sign --bundle <dir>` writes <dir>/.signatures.json. */
function sign(dir: string, privateKey: string, alg = "RS256"): void {
  execFileSync(
    join(ROOT, ".tools", "bin", "opa"),
    ["sign", "--signing-key", privateKey, "--signing-alg", alg, "--bundle", ".", "-o", "."],
    { cwd: dir, stdio: "pipe" },
  );
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("recorded SHA-256", () => {
  test("an untouched copy of the bundle in another folder loads", () => {
    const dir = copyBundle();
    expect(loadBundle({ dir }).sha256).toBe(sha256(join(SHIPPED, "policy.wasm")));
  });

  test.each(FILES)("a modified %s is refused", (file) => {
    const dir = copyBundle();
    tamper(dir, file);
    expect(() => loadBundle({ dir })).toThrow(
      new RegExp(`${file.replace(".", "\\.")} does not match its recorded SHA-256`),
    );
  });

  test.each(FILES)("a missing %s is refused", (file) => {
    const dir = copyBundle();
    rmSync(join(dir, file));
    expect(() => loadBundle({ dir })).toThrow(/is missing/);
  });

  test.each(FILES)(
    "the CLI exits 2 with one line when DDB_GUARDRAILS_BUNDLE_DIR points at a bundle with a modified %s",
    (file) => {
      const dir = copyBundle();
      tamper(dir, file);
      const run = runCli(["validate", fixturePlan("table-unencrypted")], { env: { DDB_GUARDRAILS_BUNDLE_DIR: dir } });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^ddb-guardrails: error: policy bundle .*: .* does not match its recorded SHA-256/),
      ]);
    },
  );

  test("the report names the bundle version and the SHA-256 of the policy it ran, and each rule's version", () => {
    const run = runCli(["validate", fixturePlan("table-unencrypted"), "--format", "json"], {
      env: { DDB_GUARDRAILS_BUNDLE_DIR: copyBundle() },
    });
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    const catalog = JSON.parse(readFileSync(join(SHIPPED, "rules.json"), "utf8"));
    expect(report.bundle).toEqual({ version: catalog.version, sha256: sha256(join(SHIPPED, "policy.wasm")) });
    const ruleVersions = new Map(catalog.rules.map((r: { id: string; version: string }) => [r.id, r.version]));
    expect(report.rules.length).toBeGreaterThan(0);
    for (const rule of report.rules) expect(rule.version).toBe(ruleVersions.get(rule.id));
    expect(report.rules.map((r: { id: string }) => r.id)).toEqual(
      expect.arrayContaining(report.violations.map((f: { rule: string }) => f.rule)),
    );
  });
});

describe("OPA bundle signature with the user's key", () => {
  test.each([
    ["rsa", "RS256"],
    ["rsa", "PS256"],
    ["ec", "ES256"],
  ] as const)(
    "a bundle signed with opa sign (%s, %s) loads with the public key, even when it differs from the shipped one",
    (type, alg) => {
      const keys = keyPair(type);
      const dir = copyBundle();
      tamper(dir, "rules.json"); // a locally customised bundle: no longer matches the recorded digests
      sign(dir, keys.priv, alg);
      expect(() => loadBundle({ dir })).toThrow(/recorded SHA-256/);
      const bundle = loadBundle({ dir, verificationKey: readFileSync(keys.pub) });
      expect(bundle.rules[0].severity).toBe("low");
      expect(validatePlan(readPlan(fixturePlan("table-unencrypted")), { bundle }).summary.passed).toBe(false);
    },
  );

  test.each(FILES)("a signed bundle whose %s changed after signing is refused", (file) => {
    const keys = keyPair("rsa");
    const dir = copyBundle();
    sign(dir, keys.priv);
    tamper(dir, file);
    expect(() => loadBundle({ dir, verificationKey: readFileSync(keys.pub) })).toThrow(
      new RegExp(`${file.replace(".", "\\.")} does not match the hash in its signature`),
    );
  });

  test("findings take their severity, guardrail and remediation from the catalog the signer signed", () => {
    const keys = keyPair("ec");
    const dir = copyBundle();
    const path = join(dir, "rules.json");
    const catalog = JSON.parse(readFileSync(path, "utf8"));
    const rule = catalog.rules.find((r: { id: string }) => r.id === "DDB-ENC-001");
    Object.assign(rule, { severity: "low", remediation: "Ask the platform team." });
    writeFileSync(path, JSON.stringify(catalog));
    sign(dir, keys.priv, "ES256");
    const bundle = loadBundle({ dir, verificationKey: readFileSync(keys.pub) });
    const report = validatePlan(readPlan(fixturePlan("table-unencrypted")), { bundle, failOn: "high" });
    expect(report.violations.map((f) => [f.rule, f.guardrail, f.severity, f.remediation])).toEqual([
      ["DDB-ENC-001", "encryption", "low", "Ask the platform team."],
    ]);
    expect(report.summary.passed).toBe(true); // below --fail-on high
  });

  test.each([
    ["an unknown severity", { severity: "urgent" }],
    ["an unknown guardrail", { guardrail: "network" }],
    ["no remediation", { remediation: undefined }],
  ])("a signed catalog that gives a rule %s is refused: its findings would take it", (_, change) => {
    const keys = keyPair("ec");
    const dir = copyBundle();
    const path = join(dir, "rules.json");
    const catalog = JSON.parse(readFileSync(path, "utf8"));
    Object.assign(catalog.rules[3], change);
    writeFileSync(path, JSON.stringify(catalog));
    sign(dir, keys.priv, "ES256");
    expect(() => loadBundle({ dir, verificationKey: readFileSync(keys.pub) })).toThrow(
      /rules\.json has a rule without an id, a known guardrail, a severity or a remediation/,
    );
  });

  test("a reformatted data.json is still accepted (OPA hashes data.json in canonical form)", () => {
    const keys = keyPair("ec");
    const dir = copyBundle();
    sign(dir, keys.priv, "ES256");
    const path = join(dir, "data.json");
    writeFileSync(path, JSON.stringify(JSON.parse(readFileSync(path, "utf8")), null, 4));
    expect(() => loadBundle({ dir, verificationKey: readFileSync(keys.pub) })).not.toThrow();
  });

  test("a signature made with another key, a forged payload, an unsigned bundle, a file left out of the signature and a bad key are refused", () => {
    const ours = keyPair("rsa");
    const theirs = keyPair("rsa");
    const pub = readFileSync(ours.pub);

    const otherKey = copyBundle();
    sign(otherKey, theirs.priv);
    expect(() => loadBundle({ dir: otherKey, verificationKey: pub })).toThrow(/does not verify with the given key/);

    const forged = copyBundle();
    sign(forged, ours.priv);
    tamper(forged, "policy.wasm");
    const signatures = JSON.parse(readFileSync(join(forged, ".signatures.json"), "utf8"));
    const [header, payload, signature] = signatures.signatures[0].split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    for (const f of claims.files) if (f.name.endsWith("policy.wasm")) f.hash = sha256(join(forged, "policy.wasm"));
    signatures.signatures[0] = [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".");
    writeFileSync(join(forged, ".signatures.json"), JSON.stringify(signatures));
    expect(() => loadBundle({ dir: forged, verificationKey: pub })).toThrow(/does not verify/);

    expect(() => loadBundle({ dir: copyBundle(), verificationKey: pub })).toThrow(/is not signed/);

    const partial = copyBundle();
    const rules = readFileSync(join(partial, "rules.json"));
    rmSync(join(partial, "rules.json"));
    sign(partial, ours.priv);
    writeFileSync(join(partial, "rules.json"), rules);
    expect(() => loadBundle({ dir: partial, verificationKey: pub })).toThrow(
      /rules\.json is not covered by the bundle signature/,
    );

    expect(() =>
      loadBundle({
        dir: copyBundle(),
        verificationKey: "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n",
      }),
    ).toThrow(/not a PEM RSA or EC public key/);
  });

  // GHSA-g2pf-6v5v-qcc8: OPA accepted a bundle with its signature stripped unless a key id was set.
  // Here a changed bundle never loads, whichever way its signature is missing or wrong and whatever key
  // (or none) is configured; only the untouched signed bundle loads, and only with the signer's key.
  test("an unsigned, stripped, stale, re-signed or forged-algorithm bundle never loads, whatever is configured", () => {
    const ours = keyPair("rsa");
    const theirs = keyPair("rsa");
    const oursEc = keyPair("ec");
    const changed = () => {
      const dir = copyBundle();
      tamper(dir, "rules.json");
      return dir;
    };
    const token = (dir: string) => JSON.parse(readFileSync(join(dir, ".signatures.json"), "utf8")).signatures[0];
    const writeToken = (dir: string, jwt: string) =>
      writeFileSync(join(dir, ".signatures.json"), JSON.stringify({ signatures: [jwt] }));
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

    const unsigned = changed();
    const stripped = changed();
    sign(stripped, ours.priv);
    rmSync(join(stripped, ".signatures.json"));
    const stale = copyBundle();
    sign(stale, ours.priv);
    tamper(stale, "rules.json");
    const resigned = changed();
    sign(resigned, theirs.priv);
    const payload = token(resigned).split(".")[1]; // the true hashes of the changed files
    const none = changed();
    writeToken(none, `${b64({ alg: "none" })}.${payload}.`);
    const hmac = changed(); // the public key used as an HMAC secret
    const signingInput = `${b64({ alg: "HS256" })}.${payload}`;
    writeToken(
      hmac,
      `${signingInput}.${createHmac("sha256", readFileSync(ours.pub)).update(signingInput).digest("base64url")}`,
    );
    const two = changed();
    writeToken(two, token(resigned));
    const both = JSON.parse(readFileSync(join(two, ".signatures.json"), "utf8"));
    const good = copyBundle();
    sign(good, ours.priv);
    both.signatures.push(token(good));
    writeFileSync(join(two, ".signatures.json"), JSON.stringify(both));

    const bundles = { unsigned, stripped, stale, resigned, none, hmac, two };
    const configs = {
      "no key": undefined,
      "the signer's key": readFileSync(ours.pub),
      "an EC key": readFileSync(oursEc.pub),
    };
    let refused = 0;
    for (const [name, dir] of Object.entries(bundles)) {
      for (const [config, verificationKey] of Object.entries(configs)) {
        let error: unknown;
        try {
          loadBundle({ dir, verificationKey });
        } catch (err) {
          error = err;
        }
        expect([name, config, error instanceof GuardrailsError]).toEqual([name, config, true]);
        refused++;
      }
    }
    expect(refused).toBe(Object.keys(bundles).length * Object.keys(configs).length);
    // An algorithm named after an Object.prototype member is no algorithm of the list either.
    const inherited = changed();
    writeToken(inherited, `${b64({ alg: "constructor" })}.${payload}.x`);
    expect(() => loadBundle({ dir: inherited, verificationKey: readFileSync(ours.pub) })).toThrow(
      /signature algorithm "constructor" is not supported/,
    );
    // the control: the untouched bundle, signed, loads with the signer's key only
    expect(loadBundle({ dir: good, verificationKey: readFileSync(ours.pub) }).rules.length).toBeGreaterThan(0);
    expect(() => loadBundle({ dir: good, verificationKey: readFileSync(theirs.pub) })).toThrow(GuardrailsError);
  });

  test("the CLI verifies with --verification-key: exit 1 on findings with a good signature, 2 on a tampered bundle", () => {
    const keys = keyPair("ec");
    const dir = copyBundle();
    sign(dir, keys.priv, "ES256");
    const args = ["validate", fixturePlan("table-unencrypted"), "--verification-key", keys.pub];
    expect(runCli(args, { env: { DDB_GUARDRAILS_BUNDLE_DIR: dir } }).status).toBe(1);
    tamper(dir, "data.json");
    const run = runCli(args, { env: { DDB_GUARDRAILS_BUNDLE_DIR: dir } });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/data\.json does not match the hash in its signature/),
    ]);
  });
});
