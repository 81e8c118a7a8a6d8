import { CAPABILITIES, GUARDRAILS, SEVERITIES, type AccessMap, type Finding, type Review } from "../../engine";
import { baselinedNote, describeLocation, loweredNote, waivedNote, witnessLine, type Formatter } from "./index";
import { ruleCoverage, thresholdCounts, verdictReason } from "./verdict";

/** Markdown for a pull request comment or job summary: a table by guardrail × severity, then findings by resource. */
export const markdown: Formatter = (report, rules, _style, context) => {
  const { resources, passed } = report.summary;
  const out: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (report.violations.length === 0 && resources === 0) {
    out.push(`### ddb-guardrails: ✅ no resources to check`, "", "The plan creates, changes or keeps no resource.");
  } else if (report.violations.length === 0) {
    out.push(
      `### ddb-guardrails: ✅ no findings`,
      "",
      `${plural(resources, "resource")} checked against ${plural(report.rules.length, "rule")}.`,
    );
  } else {
    const verdict = passed ? "✅ passed" : "❌ failed";
    // "✅ passed: 3 violations in …", or "✅ passed (no finding at or above critical; 3 below) in …"
    const colon = thresholdCounts(report).below ? " " : ": ";
    out.push(`### ddb-guardrails: ${verdict}${colon}${verdictReason(report)} in ${plural(resources, "resource")}`, "");
    // With a baseline, the severity columns count new findings and a last column the inherited ones.
    const inherited = report.summary.baselined !== undefined;
    out.push(
      `| Guardrail | ${SEVERITIES.map(cap).join(" | ")} | Waived |${inherited ? " Inherited |" : ""}`,
      `| --- | ${SEVERITIES.map(() => "---:").join(" | ")} | ---: |${inherited ? " ---: |" : ""}`,
    );
    for (const guardrail of GUARDRAILS) {
      const mine = report.violations.filter((f) => f.guardrail === guardrail);
      const counts = SEVERITIES.map((s) => mine.filter((f) => f.severity === s && !f.waived && !f.baselined).length);
      const baselined = inherited ? ` ${mine.filter((f) => f.baselined).length} |` : "";
      out.push(`| ${guardrail} | ${counts.join(" | ")} | ${mine.filter((f) => f.waived).length} |${baselined}`);
    }
    out.push("", "#### Findings by resource");
    const byAddress = new Map<string, Finding[]>();
    for (const f of report.violations) byAddress.set(f.address, [...(byAddress.get(f.address) ?? []), f]);
    for (const [address, findings] of byAddress) {
      const where = describeLocation(context, address);
      out.push("", `**${code(address)}**${where ? ` (${escapeMarkdown(where)})` : ""}`, "");
      for (const f of findings) {
        const status = f.waived
          ? ` _(${escapeMarkdown(waivedNote(f.waived))})_`
          : f.lowered
            ? ` _(${escapeMarkdown(loweredNote(f.lowered))})_`
            : f.baselined
              ? ` _(${escapeMarkdown(baselinedNote(f.baselined))})_`
              : "";
        out.push(`- **${f.severity.toUpperCase()}** \`${f.rule}\` ${escapeMarkdown(f.message)}${status}`);
        for (const e of f.evidence) out.push(`  - evidence: ${code(e)}`);
        if (f.witness) out.push(`  - ${escapeMarkdown(witnessLine(f.witness))}`);
        out.push(`  - fix: ${escapeMarkdown(f.remediation)}`);
      }
    }
  }
  const stale = report.review?.baseline?.stale ?? [];
  if (stale.length) {
    out.push(
      "",
      "#### Stale baseline entries",
      "",
      "The baseline records these findings; the plan no longer has them.",
      "",
    );
    for (const e of stale) out.push(`- \`${e.rule}\` ${code(e.address)}: ${escapeMarkdown(e.message)}`);
  }
  if (report.review?.accessDiff) out.push(...newAccessSection(report.review.accessDiff));
  if (report.access) out.push(...accessSection(report.access));
  const coverage = ruleCoverage(report, rules);
  if (coverage)
    out.splice(2, 0, `> **Partial rule set:** ${escapeMarkdown(coverage)}; their findings are not reported.`, "");
  for (const note of report.notes ?? []) out.push("", `> **Note:** ${escapeMarkdown(note)}`);
  out.push(
    "",
    `<sub>ddb-guardrails ${report.tool.version}, policies ${report.bundle.version} (sha256 ${report.bundle.sha256.slice(0, 12)})</sub>`,
    "",
  );
  return out.join("\n");
};

const CAPABILITY_HEADINGS = [
  "Own partition",
  "Any partition",
  "Scan",
  "Protected attributes",
  "Administer",
  "Export",
  "Stream",
];

/** What the change gives principals that they did not have, each with the request that now gets through. */
function newAccessSection(diff: NonNullable<Review["accessDiff"]>): string[] {
  const out = ["", "#### New access", ""];
  if (diff.new.length === 0) {
    out.push("The change gives no principal access to a table that it did not have.");
    return out;
  }
  if (diff.failed)
    out.push("❌ `--fail-on-new-access`: the change grants more than reads of the caller's own partition.", "");
  for (const g of diff.new) {
    const table = g.table === "any table" ? "every table" : code(g.table);
    out.push(
      `- ${escapeMarkdown(g.principal)} gains **${g.capability.replace("_", " ")}** on ${table} (${code(g.policy)}): ${escapeMarkdown(witnessLine(g.witness))}`,
    );
  }
  return out;
}

/** The access map: one row per table and principal, a ✓ per capability the evaluation core allowed. */
function accessSection(access: AccessMap): string[] {
  const out = ["", "#### Who can access each table", ""];
  const tables = [
    ...access.tables.map((t) => ({ name: code(t.address), rows: t.principals, unprovable: t.unprovable })),
    { name: "any table", rows: access.any_table.principals, unprovable: access.any_table.unprovable },
  ];
  if (tables.every((t) => t.rows.length === 0 && t.unprovable.length === 0)) {
    out.push("No policy of the plan grants access to a table.");
    return out;
  }
  out.push(
    `| Table | Principal | Policy | ${CAPABILITY_HEADINGS.join(" | ")} |`,
    `| --- | --- | --- | ${CAPABILITY_HEADINGS.map(() => ":---:").join(" | ")} |`,
  );
  for (const table of tables) {
    for (const row of table.rows) {
      const marks = CAPABILITIES.map((c) => (row.capabilities[c] ? "✓" : ""));
      out.push(`| ${table.name} | ${escapeMarkdown(row.principal)} | ${code(row.policy)} | ${marks.join(" | ")} |`);
    }
  }
  const unreadable = tables.flatMap((t) => t.unprovable.map((u) => ({ table: t.name, ...u })));
  if (unreadable.length) {
    out.push("", "Policies that cannot be read before apply (their access is not in the table):", "");
    for (const u of unreadable) out.push(`- ${u.table}: ${code(u.policy)}: ${escapeMarkdown(u.reason)}`);
  }
  out.push("", "Each ✓ is a request the IAM evaluation core allows; the JSON report (`access`) gives it as a witness.");
  return out;
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Plain text in Markdown: no HTML, no accidental emphasis or tables, no control characters. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\r?\n/g, " ")
    .replace(CONTROL, "\uFFFD")
    .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** A code span; one that contains backticks is fenced with two. */
export function code(s: string): string {
  const text = s.replace(/\r?\n/g, " ").replace(CONTROL, "\uFFFD");
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}
