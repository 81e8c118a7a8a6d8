import { GuardrailsError, type Report, type Rule } from "../engine";
import { colourStyle, formatters, plainStyle, type FormatContext, type FormatName, type Style } from "./formatters";
import { writeOutputFile } from "./output-file";

/** One requested report: a format, written to a file or (no output) to stdout. */
export interface ReportTarget {
  format?: FormatName;
  output?: string;
}

/**
 * Pairs repeated -f/-o options in the order given: an -o belongs to the -f before it (or, given
 * first, to the -f after it); a format without -o goes to stdout, an -o without a format gets text.
 * Both option parsers fill the same list, so commander sees it under --format and --output alike.
 */
export function targetCollector(): {
  format: (value: string) => ReportTarget[];
  output: (value: string) => ReportTarget[];
} {
  const targets: ReportTarget[] = [];
  return {
    format: (value) => {
      if (!(value in formatters))
        throw new GuardrailsError(
          `--format ${value}: unknown format (choose from ${Object.keys(formatters).join(", ")})`,
        );
      const last = targets[targets.length - 1];
      if (last && last.format === undefined) last.format = value as FormatName;
      else targets.push({ format: value as FormatName });
      return targets;
    },
    output: (value) => {
      const last = targets[targets.length - 1];
      if (last && last.output === undefined && last.format !== undefined) last.output = value;
      else targets.push({ output: value });
      return targets;
    },
  };
}

export function resolveTargets(
  targets: readonly ReportTarget[] | undefined,
): Array<{ format: FormatName; output?: string }> {
  const resolved = (targets?.length ? targets : [{}]).map((t) => ({ format: t.format ?? "text", output: t.output }));
  if (resolved.filter((t) => !t.output).length > 1) {
    throw new GuardrailsError(
      `only one report can go to stdout; give the others an --output file (${resolved
        .filter((t) => !t.output)
        .map((t) => t.format)
        .join(", ")})`,
    );
  }
  const files = resolved.map((t) => t.output).filter(Boolean);
  if (new Set(files).size !== files.length)
    throw new GuardrailsError("two reports would be written to the same --output file");
  return resolved;
}

function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env.NO_COLOR === undefined;
}

/** Writes every requested report: files first, then stdout, so stdout carries only the report. */
export function writeReports(
  report: Report,
  rules: readonly Rule[],
  context: FormatContext,
  targets: ReturnType<typeof resolveTargets>,
  view: Report = report,
): void {
  writeRendered(targets, (format, style) =>
    formatters[format](VIEW_FORMATS.has(format) ? view : report, rules, style, context),
  );
}

/** The formats a reviewer reads, which --changed-only narrows; the others always carry the whole plan. */
const VIEW_FORMATS: ReadonlySet<FormatName> = new Set<FormatName>(["text", "markdown", "sarif"]);

/** Writes each target's rendering (plain for files and pipes, coloured text on a terminal). */
export function writeRendered(
  targets: ReturnType<typeof resolveTargets>,
  render: (format: FormatName, style: Style) => string,
): void {
  for (const t of targets.filter((x) => x.output)) {
    const file = t.output!;
    try {
      writeOutputFile(file, render(t.format, plainStyle));
    } catch (err) {
      throw new GuardrailsError(
        `--output ${file}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  for (const t of targets.filter((x) => !x.output)) {
    const style = t.format === "text" && useColour(process.stdout) ? colourStyle : plainStyle;
    process.stdout.write(render(t.format, style));
  }
}
