import {
  addressesIn,
  CAPABILITIES,
  SEVERITIES,
  type AccessMap,
  type AccessRow,
  type Finding,
  type NewAccess,
  type Report,
  type Review,
} from "../engine";

/** The table name an every-table row is shown under. */
export const ANY_TABLE = "any table";

/**
 * The capabilities of the access map `after` that `before` lacks, per table, principal and policy
 * document: "role/tenant-api gains scan on aws_dynamodb_table.sessions". A policy that is new, or now
 * reaches a table it did not, brings all its capabilities there.
 */
export function accessDiff(before: AccessMap, after: AccessMap): NewAccess[] {
  const rows = (map: AccessMap) => [
    ...map.tables.flatMap((t) => t.principals.map((r) => [t.address, r] as const)),
    ...map.any_table.principals.map((r) => [ANY_TABLE, r] as const),
  ];
  const key = (table: string, r: AccessRow) => JSON.stringify([table, r.principal, r.policy, r.document]);
  const had = new Map(rows(before).map(([table, r]) => [key(table, r), r]));
  const gained: NewAccess[] = [];
  for (const [table, r] of rows(after)) {
    const old = had.get(key(table, r));
    for (const capability of CAPABILITIES) {
      const witness = r.capabilities[capability];
      if (witness && !old?.capabilities[capability])
        gained.push({ table, principal: r.principal, policy: r.policy, document: r.document, capability, witness });
    }
  }
  return gained;
}

/**
 * The report with its accessDiff; with failOnNewAccess, any new capability other than reading the
 * caller's own partition fails the verdict (a bound read is what a tenant grant is for).
 */
export function withAccessDiff(report: Report, gained: NewAccess[], failOnNewAccess: boolean): Report {
  const failed = failOnNewAccess && gained.some((g) => g.capability !== "read_bound");
  return {
    ...report,
    summary: { ...report.summary, passed: report.summary.passed && !failed },
    review: { ...report.review, accessDiff: { new: gained, failed } },
  };
}

/**
 * The view of a report that --changed-only gives text, Markdown and SARIF: the findings on resources the
 * plan creates, updates, deletes or replaces, and those whose evidence passes through one of them (a
 * table flagged for a key the change edits). The verdict still covers the whole plan unless
 * failOnChangedOnly, so hiding an inherited finding never turns a failing plan into a passing one.
 */
export function changedOnlyView(report: Report, changed: ReadonlySet<string>, failOnChangedOnly: boolean): Report {
  const shown = report.violations.filter((f) => touchesChange(f, changed));
  const counted = shown.filter((f) => !f.waived && !f.baselined);
  const threshold = SEVERITIES.indexOf(report.summary.failOn);
  const hidden = report.violations.length - shown.length;
  return {
    ...report,
    summary: {
      ...report.summary,
      violations: counted.length,
      waived: shown.filter((f) => f.waived).length,
      ...(report.summary.baselined === undefined ? {} : { baselined: shown.filter((f) => f.baselined).length }),
      passed: failOnChangedOnly
        ? counted.every((f) => SEVERITIES.indexOf(f.severity) > threshold)
        : report.summary.passed,
    },
    violations: shown,
    notes: [
      ...(report.notes ?? []),
      changedOnlyNote({
        changedResources: changed.size,
        hidden,
        verdictCovers: failOnChangedOnly ? "changed" : "plan",
      })!,
    ],
    review: {
      ...report.review,
      changedOnly: { changedResources: changed.size, hidden, verdictCovers: failOnChangedOnly ? "changed" : "plan" },
    },
  };
}

/** What --changed-only says about the findings it leaves out, in every view and on stderr. */
export function changedOnlyNote(review: Review["changedOnly"]): string | undefined {
  if (!review) return undefined;
  const { hidden, changedResources, verdictCovers } = review;
  const findings = `${hidden} finding${hidden === 1 ? "" : "s"}`;
  return verdictCovers === "plan"
    ? `--changed-only: ${findings} on resources this plan does not change ${hidden === 1 ? "is" : "are"} not shown (${changedResources} changed); the verdict covers the whole plan`
    : `--changed-only: ${findings} on resources this plan does not change ${hidden === 1 ? "is" : "are"} not shown (${changedResources} changed); the verdict covers only the findings shown (--fail-on-changed-only)`;
}

function touchesChange(f: Finding, changed: ReadonlySet<string>): boolean {
  return changed.has(f.address) || f.evidence.some((e) => mentionsAny(e, changed));
}

/** An address as a whole word of the evidence: "aws_kms_key.k" in "kms_key_arn <- aws_kms_key.k.arn", not in "aws_kms_key.k2". */
function mentionsAny(evidence: string, changed: ReadonlySet<string>): boolean {
  return addressesIn(evidence).some((address) => changed.has(address));
}
