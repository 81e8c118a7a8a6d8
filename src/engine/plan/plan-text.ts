import { GuardrailsError } from "../errors";

/**
 * The text of a plan file. `terraform show -json` writes UTF-8, but a plan saved through a shell can
 * carry a byte-order mark, and PowerShell's `>` writes UTF-16LE with one: those are decoded. UTF-16
 * without a mark, or other bytes that are not UTF-8 text, are refused (their NUL bytes would otherwise
 * surface in error messages that quote the input).
 */
export function decodePlanText(bytes: Buffer, name: string): string {
  if (startsWith(bytes, 0xef, 0xbb, 0xbf)) return bytes.toString("utf8", 3);
  if (startsWith(bytes, 0xff, 0xfe)) return bytes.toString("utf16le", 2);
  if (startsWith(bytes, 0xfe, 0xff)) return swapBytes(bytes.subarray(2)).toString("utf16le");
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const utf16 = nul <= 1 && bytes.length > 2 ? ` (UTF-16${nul === 1 ? "LE" : "BE"} without a byte-order mark?)` : "";
    throw new GuardrailsError(
      `${name}: holds a NUL byte at offset ${nul}${utf16}; expected UTF-8 JSON from terraform show -json`,
    );
  }
  return bytes.toString("utf8");
}

/** Text given as a string (e.g. by an API caller) may still start with a decoded byte-order mark. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function startsWith(bytes: Buffer, ...prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function swapBytes(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16();
}
