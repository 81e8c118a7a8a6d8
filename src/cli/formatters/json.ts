import type { Formatter } from "./index";

/** The JSON contract: {tool, bundle, summary, violations[]}. */
export const json: Formatter = (report) => `${JSON.stringify(report, null, 2)}\n`;
