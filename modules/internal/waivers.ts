import { Token } from "cdktf";
import { GuardrailConfigError, shown } from "../errors";
import { GUARDRAIL_TAGS, type GuardrailWaiver } from "../guardrail-tags";

// What AWS accepts in a tag value (letters, digits, spaces and _ . : / = + - @; at most 256 characters).
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface WaiverCheck {
  /** The protection's prop, e.g. `pointInTimeRecovery`. */
  readonly prop: string;
  /** Whether the protection is off. */
  readonly off: boolean;
  /** The prop that gives the reason, e.g. `pointInTimeRecoveryWaiver`. */
  readonly waiverProp: string;
  readonly waiver: GuardrailWaiver | undefined;
  /** The rule the gate waives on this resource; none when the finding lands elsewhere (synth-time only). */
  readonly rule?: string;
  /** The error when no reason is given. @default "`prop` cannot be false without `waiverProp`; …" */
  readonly message?: string;
}

/**
 * The "off needs a reason" check every construct makes: when `off`, `waiver` must give a reason,
 * else the construct throws naming the prop. Returns the waiver's tag (rule id → "<expires> <reason>")
 * when it has a rule and an expiry, so the gate honours the same waiver.
 */
export function requireWaiver(constructPath: string, check: WaiverCheck): Record<string, string> {
  const { prop, off, waiverProp, waiver, rule } = check;
  const reason = typeof waiver === "string" ? waiver : waiver?.reason;
  if (!off) return {};
  if (!reason?.trim()) {
    throw new GuardrailConfigError(
      constructPath,
      prop,
      check.message ?? `\`${prop}\` cannot be false without \`${waiverProp}\`; set a reason or remove the override.`,
    );
  }
  if (typeof waiver === "string" || waiver === undefined || rule === undefined) return {};
  const { expires } = waiver;
  if (Token.isUnresolved(expires) || Token.isUnresolved(reason)) {
    throw new GuardrailConfigError(
      constructPath,
      waiverProp,
      `\`${waiverProp}\` must be known at synth time to be recorded for the gate, got a token; pass literal values.`,
    );
  }
  const value = `${expires} ${reason.trim()}`;
  if (!DATE.test(expires) || Number.isNaN(Date.parse(expires))) {
    throw new GuardrailConfigError(
      constructPath,
      `${waiverProp}.expires`,
      `\`${waiverProp}.expires\` must be the waiver's last day as YYYY-MM-DD, got ${shown(expires)}.`,
    );
  }
  if (!TAG_VALUE.test(value) || value.length > 256) {
    throw new GuardrailConfigError(
      constructPath,
      `${waiverProp}.reason`,
      `\`${waiverProp}.reason\` is recorded as a tag value, which allows at most 245 characters of letters, digits, spaces and _ . : / = + - @, got ${shown(reason)}; reword it.`,
    );
  }
  return { [`${GUARDRAIL_TAGS.waiverPrefix}${rule}`]: value };
}
