/**
 * Terraform resource and module addresses. An instance key is `[<number>]` or `["<string>"]`, where
 * the string escapes `"` and `\` with a backslash and may hold `]`, `.` or `[`: a key cannot be cut
 * out with a pattern like `\[[^\]]*\]`.
 */
const INSTANCE_KEY = String.raw`\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\]`;
const MODULE_KEYS = new RegExp(`(module\\.[A-Za-z0-9_-]+)${INSTANCE_KEY}`, "g");
const TRAILING_KEY = new RegExp(`${INSTANCE_KEY}$`);
const ONLY_KEY = new RegExp(`^${INSTANCE_KEY}$`);

/** "module.a[\"x]\"].module.b[0]" -> "module.a.module.b": configuration is per module, not per instance. */
export function withoutModuleKeys(moduleAddress: string): string {
  return moduleAddress.replace(MODULE_KEYS, "$1");
}

/** "aws_x.y[\"a]\"]" -> "aws_x.y"; an address without a trailing instance key is returned as it is. */
export function withoutInstanceKey(address: string): string {
  return address.replace(TRAILING_KEY, "");
}

/** Whether `address` is `base` followed by exactly one instance key. */
export function isInstanceOf(address: string, base: string): boolean {
  return address.startsWith(base) && ONLY_KEY.test(address.slice(base.length));
}
