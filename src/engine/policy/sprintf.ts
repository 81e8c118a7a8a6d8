/**
 * Rego's sprintf as OPA itself formats (Go fmt over Rego values), for the compiled bundle.
 * opa-wasm 1.10 implements sprintf with sprintf-js, which throws on a null argument (so a finding
 * message mentioning an unset attribute aborted the whole evaluation) and prints objects as
 * "[object Object]". Covers the verbs policies use: %v %s %d %q %f %x %% with flags, width, precision.
 */
export function goSprintf(format: string, values: unknown): string {
  const args = Array.isArray(values) ? values : [];
  let next = 0;
  return format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (_match, flags: string, width?: string, precision?: string, verb?: string) => {
      if (verb === "%") return "%";
      if (next >= args.length) return `%!${verb}(MISSING)`;
      const value = args[next++];
      let text: string;
      switch (verb) {
        case "d":
          text =
            typeof value === "number" && Number.isInteger(value)
              ? String(value)
              : `%!d(${goType(value)}=${rego(value, false)})`;
          break;
        case "f":
          text =
            typeof value === "number"
              ? value.toFixed(precision === undefined ? 6 : Number(precision))
              : `%!f(${goType(value)}=${rego(value, false)})`;
          break;
        case "q":
          text = typeof value === "string" ? JSON.stringify(value) : rego(value, true);
          break;
        case "x":
          text =
            typeof value === "number" && Number.isInteger(value)
              ? value.toString(16)
              : typeof value === "string"
                ? Buffer.from(value).toString("hex")
                : rego(value, false);
          break;
        default: // v, s and anything else
          text = rego(value, false);
          if (precision !== undefined && typeof value === "string") text = text.slice(0, Number(precision));
      }
      if (width !== undefined && text.length < Number(width)) {
        text = flags.includes("-")
          ? text.padEnd(Number(width))
          : text.padStart(Number(width), flags.includes("0") && verb !== "s" ? "0" : " ");
      }
      return text;
    },
  );
}

/** A value as Rego prints it: strings bare at the top level and quoted inside composites; keys sorted. */
function rego(value: unknown, quoted: boolean): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return quoted ? JSON.stringify(value) : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => rego(v, true)).join(", ")}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}: ${rego((value as Record<string, unknown>)[k], true)}`);
  return `{${entries.join(", ")}}`;
}

function goType(value: unknown): string {
  return value === null
    ? "<nil>"
    : typeof value === "string"
      ? "string"
      : typeof value === "number"
        ? "float64"
        : typeof value === "boolean"
          ? "bool"
          : Array.isArray(value)
            ? "[]interface {}"
            : "map[string]interface {}";
}
