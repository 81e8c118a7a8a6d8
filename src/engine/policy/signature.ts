import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import type * as Jws from "jws";
import { GuardrailsError } from "../errors";

/**
 * Verification of OPA bundle signatures (`opa sign --bundle <dir>` writes `.signatures.json`: one JWT
 * whose payload lists every file of the bundle with its SHA-256). The JWT is checked with the public key
 * the user provides; the file hashes in it are then compared with the files actually read.
 * Format: https://www.openpolicyagent.org/docs/latest/management-bundles/#signature-format
 */

/**
 * JWS algorithms accepted, with the key type each needs. The signature itself is verified by `jws`
 * (the JWS implementation of node-jsonwebtoken), with the algorithm chosen here from this list and
 * the key's type checked first, so a token cannot pick "none" or an HMAC keyed with the public key.
 */
const ALGORITHMS: Record<string, { keyType: string }> = {
  RS256: { keyType: "rsa" },
  RS384: { keyType: "rsa" },
  RS512: { keyType: "rsa" },
  PS256: { keyType: "rsa" },
  PS384: { keyType: "rsa" },
  PS512: { keyType: "rsa" },
  ES256: { keyType: "ec" },
  ES384: { keyType: "ec" },
  ES512: { keyType: "ec" },
};

export interface SignedFile {
  readonly name: string;
  readonly hash: string;
  readonly algorithm: string;
}

/** Reads a PEM public key (or certificate); a private key or garbage is refused. */
export function publicKey(pem: string | Buffer, source = "verification key"): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec")
      throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
    return key;
  } catch (err) {
    throw new GuardrailsError(`${source}: not a PEM RSA or EC public key (${(err as Error).message.split("\n")[0]})`);
  }
}

/** Verifies the JWT of a `.signatures.json` and returns the files it signs. */
export function verifySignatures(signaturesJson: string, key: KeyObject, source: string): SignedFile[] {
  let token: unknown;
  try {
    const parsed = JSON.parse(signaturesJson) as { signatures?: unknown };
    token = Array.isArray(parsed.signatures) && parsed.signatures.length === 1 ? parsed.signatures[0] : undefined;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string")
    throw new GuardrailsError(`${source}: .signatures.json must hold exactly one signature (a JWT)`);
  const parts = token.split(".");
  if (parts.length !== 3) throw new GuardrailsError(`${source}: the signature is not a compact JWT`);
  const header = decodeJson(parts[0], source, "header") as { alg?: unknown; crit?: unknown };
  // Own keys: "constructor" is no algorithm of the list.
  const alg =
    typeof header.alg === "string" && Object.hasOwn(ALGORITHMS, header.alg) ? ALGORITHMS[header.alg] : undefined;
  if (!alg)
    throw new GuardrailsError(
      `${source}: signature algorithm ${JSON.stringify(header.alg)} is not supported (${Object.keys(ALGORITHMS).join(", ")})`,
    );
  if (header.crit !== undefined)
    throw new GuardrailsError(`${source}: the signature has critical header parameters this tool does not understand`);
  if (key.asymmetricKeyType !== alg.keyType) {
    throw new GuardrailsError(
      `${source}: the signature uses ${header.alg as string}, which does not match the ${key.asymmetricKeyType?.toUpperCase()} verification key`,
    );
  }
  // Loaded here: only a bundle checked against a key is verified, and every run loads this module.
  const jws = require("jws") as typeof Jws;
  let valid = false;
  try {
    valid = jws.verify(token, header.alg as Jws.Algorithm, key.export({ type: "spki", format: "pem" }).toString());
  } catch {
    valid = false;
  }
  if (!valid)
    throw new GuardrailsError(
      `${source}: the bundle signature does not verify with the given key; refusing the bundle`,
    );
  const payload = decodeJson(parts[1], source, "payload") as { files?: unknown };
  if (!Array.isArray(payload.files) || !payload.files.every(isSignedFile)) {
    throw new GuardrailsError(`${source}: the signed payload has no valid "files" list`);
  }
  return payload.files;
}

/**
 * Compares a file with its entry in the signed list (matched by file name: `opa sign --bundle <dir>`
 * prefixes names with <dir>/). OPA hashes data.json in canonical form (sorted keys, no whitespace).
 */
export function checkSignedFile(files: readonly SignedFile[], name: string, bytes: Buffer, source: string): void {
  const entries = files.filter((f) => f.name === name || f.name.endsWith(`/${name}`));
  if (entries.length !== 1)
    throw new GuardrailsError(
      `${source}: ${name} is ${entries.length ? "listed more than once" : "not covered"} by the bundle signature; refusing the bundle`,
    );
  const [entry] = entries;
  if (entry.algorithm.toUpperCase() !== "SHA-256")
    throw new GuardrailsError(`${source}: ${name}: hash algorithm ${entry.algorithm} is not supported (SHA-256)`);
  const content = name === "data.json" ? canonicalJson(bytes, source) : bytes;
  const actual = createHash("sha256").update(content).digest("hex");
  if (actual !== entry.hash.toLowerCase())
    throw new GuardrailsError(
      `${source}: ${name} does not match the hash in its signature (modified after signing?); refusing the bundle`,
    );
}

function isSignedFile(value: unknown): value is SignedFile {
  const f = value as SignedFile;
  return (
    typeof f === "object" &&
    f !== null &&
    typeof f.name === "string" &&
    typeof f.hash === "string" &&
    typeof f.algorithm === "string"
  );
}

function decodeJson(part: string, source: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new GuardrailsError(`${source}: the signature's ${what} is not base64url JSON`);
}

/** OPA's canonical JSON for hashing: keys sorted, no whitespace, Go's escaping of U+2028/U+2029. */
function canonicalJson(bytes: Buffer, source: string): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new GuardrailsError(`${source}: data.json is not valid JSON`);
  }
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(",")}]`;
    if (typeof v === "object" && v !== null) {
      const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return `{${keys.map((k) => `${write(k)}:${write((v as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    return JSON.stringify(v)
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029");
  };
  return Buffer.from(write(value), "utf8");
}
