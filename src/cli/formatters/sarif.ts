import { createHash } from "node:crypto";
import { basename } from "node:path";
import type { Location, Log, ReportingDescriptor, Result } from "sarif";
import type { Rule, Severity } from "../../engine";
import { locate } from "../../runner/locations";
import { baselinedNote, loweredNote, witnessLine, type Formatter } from "./index";
import { ruleCoverage } from "./verdict";

/** GitHub code scanning ranks alerts by this CVSS-like score. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };
const LEVEL: Record<Severity, Result.level> = { critical: "error", high: "error", medium: "warning", low: "note" };

/** A stable identifier per rule × resource, so code scanning keeps one alert across runs. */
/** A stable fingerprint of its parts (e.g. rule and address), for de-duplication across runs. */
export function fingerprint(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

function descriptor(rule: Rule, helpUri: string | undefined): ReportingDescriptor {
  const name = `${rule.guardrail}/${basename(rule.source, ".rego")}${rule.id.endsWith("-UNPROVABLE") ? "/unprovable" : ""}`;
  return {
    id: rule.id,
    name,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: `${rule.description}\n\nRemediation: ${rule.remediation}`,
      markdown: `**${rule.title}**\n\n${rule.description}\n\n**Remediation:** ${rule.remediation}${helpUri ? `\n\n[${rule.id} documentation](${helpUri})` : ""}`,
    },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      "security-severity": SECURITY_SEVERITY[rule.severity],
      tags: ["security", "dynamodb", "terraform", rule.guardrail],
      precision: "high",
    },
  };
}

/** SARIF 2.1.0 for code scanning: one rule entry per catalog rule, one result per finding. */
export const sarif: Formatter = (report, rules, _style, context) => {
  const catalog = [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const index = new Map(catalog.map((r, i) => [r.id, i]));
  const coverage = ruleCoverage(report, rules);
  const results: Result[] = report.violations.map((f) => {
    const loc = locate(context.locations, f.address);
    const file = loc?.file ?? context.fallbackFile;
    const location: Location = {
      ...(file
        ? {
            physicalLocation: {
              artifactLocation: { uri: file, uriBaseId: "%SRCROOT%" },
              ...(loc?.file && loc.line ? { region: { startLine: loc.line } } : {}),
            },
          }
        : {}),
      logicalLocations: [
        { fullyQualifiedName: f.address, kind: "resource" },
        ...(loc?.constructPath ? [{ fullyQualifiedName: loc.constructPath, kind: "module" }] : []),
      ],
    };
    return {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: LEVEL[f.severity],
      message: {
        text: `${f.address}: ${f.message}${loc?.constructPath ? ` (construct ${loc.constructPath})` : ""}${f.witness ? `; ${witnessLine(f.witness)}` : ""}`,
      },
      locations: [location],
      partialFingerprints: { "ddbGuardrails/v1": fingerprint(f.rule, f.address) },
      ...(f.waived
        ? {
            suppressions: [
              {
                kind: "external" as const,
                status: "accepted" as const,
                justification: `${f.waived.reason} (waived until ${f.waived.expires}${f.waived.by ? ` at ${f.waived.by}` : ""})`,
              },
            ],
          }
        : {}),
      ...(!f.waived && !f.lowered && f.baselined
        ? {
            suppressions: [
              { kind: "external" as const, status: "accepted" as const, justification: baselinedNote(f.baselined) },
            ],
          }
        : {}),
      ...(!f.waived && f.lowered
        ? {
            suppressions: [
              { kind: "external" as const, status: "accepted" as const, justification: loweredNote(f.lowered) },
            ],
          }
        : {}),
      properties: {
        guardrail: f.guardrail,
        severity: f.severity,
        evidence: [...f.evidence],
        ...(f.witness ? { witness: f.witness } : {}),
        remediation: f.remediation,
      },
    };
  });
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "ddb-guardrails",
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: catalog.map((r) => descriptor(r, context.ruleDocUrl?.(r.id))),
          },
        },
        ...(report.notes?.length || coverage
          ? {
              invocations: [
                {
                  executionSuccessful: true,
                  ...(report.notes?.length
                    ? {
                        toolExecutionNotifications: report.notes.map((n) => ({
                          level: "warning" as const,
                          message: { text: n },
                        })),
                      }
                    : {}),
                  // Rules left out by --rules/--skip-rules: disabled for this run, and said so in words.
                  ...(coverage
                    ? {
                        ruleConfigurationOverrides: (report.skippedRules ?? []).map((id) => ({
                          descriptor: { id, ...(index.has(id) ? { index: index.get(id) } : {}) },
                          configuration: { enabled: false },
                        })),
                        toolConfigurationNotifications: [
                          { level: "warning" as const, message: { text: `Partial rule set: ${coverage}` } },
                        ],
                      }
                    : {}),
                },
              ],
            }
          : {}),
        results,
        columnKind: "utf16CodeUnits",
        properties: {
          policyBundle: { version: report.bundle.version, sha256: report.bundle.sha256 },
          summary: report.summary,
          ...(report.skippedRules ? { skippedRules: [...report.skippedRules] } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};
