import { GuardrailsError } from "../errors";

/**
 * Rule parameters that would switch a guardrail off while looking like configuration. The schema
 * (config-schema.json) checks names and types; this checks each value against what the rules do with
 * it (policies/lib/params.rego):
 * - allowed_key_arns: a pattern must name one account's keys. "*" or "arn:aws:kms:*" would accept any
 *   key of anyone as customer-managed. A wildcard may stand for the region, or for part of the key id
 *   or alias after "key/" or "alias/" (glob.match with ":" as delimiter, so * stays within a field).
 * - protected_attributes: an empty list protects nothing on tables tagged without names.
 * - principal_variables: a pattern that also matches a variable the caller does not own (aws:SourceIp,
 *   aws:RequestTag/..., "*") would count a condition on it as binding the partition key to the caller.
 *   Only * and ? are wildcards here; glob classes ([...], {...}) are refused. An empty list is stricter,
 *   not weaker, and is accepted.
 */
export function checkParameters(parameters: Record<string, unknown>, source: string): void {
  const fail = (key: string, detail: string): never => {
    throw new GuardrailsError(`config ${source}: parameters.${key}: ${detail}`);
  };
  strings(parameters.allowed_key_arns).forEach((arn, i) => {
    if (!KMS_KEY_PATTERN.test(arn)) {
      const wanted = "give a KMS key or alias ARN of one account (arn:aws:kms:<region>:<account>:key/<id>)";
      fail(`allowed_key_arns.${i}`, `"${arn}" would accept keys of any account; ${wanted}`);
    }
  });
  if (Array.isArray(parameters.protected_attributes) && parameters.protected_attributes.length === 0) {
    fail("protected_attributes", "an empty list protects no attribute; leave the key out to keep the default");
  }
  strings(parameters.principal_variables).forEach((pattern, i) => {
    if (/[[\]{}\\!]/.test(pattern))
      fail(`principal_variables.${i}`, `"${pattern}": only * and ? are allowed as wildcards`);
    const caught = NOT_THE_CALLER.find((variable) => globMatches(pattern, variable));
    if (caught) fail(`principal_variables.${i}`, `"${pattern}" matches ${caught}, which does not identify the caller`);
  });
}

/** arn:<partition>:kms:<region or *>:<12-digit account>:key/... or alias/...; no wildcard before the key part. */
const KMS_KEY_PATTERN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:kms:([a-z0-9-]+|\*):\d{12}:(key|alias)\/[^:]+$/;

/** Request and resource context a caller sets or shares with others; none binds a partition to one caller. */
const NOT_THE_CALLER = [
  "aws:SourceIp",
  "aws:SourceVpc",
  "aws:SourceVpce",
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:CurrentTime",
  "aws:EpochTime",
  "aws:SecureTransport",
  "aws:UserAgent",
  "aws:Referer",
  "aws:RequestedRegion",
  "aws:RequestTag/tenant",
  "aws:ResourceTag/tenant",
  "aws:TagKeys",
  "aws:PrincipalAccount",
  "aws:PrincipalOrgID",
  "aws:PrincipalType",
  "aws:CalledVia",
  "aws:ViaAWSService",
  "aws:MultiFactorAuthPresent",
  "dynamodb:LeadingKeys",
  "dynamodb:Attributes",
  "s3:prefix",
  "example:anything",
];

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** glob.match(lower(pattern), null, lower(variable)) as the policy calls it: no delimiters, * and ?. */
function globMatches(pattern: string, variable: string): boolean {
  const regexOf = (c: string) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  const source = [...pattern.toLowerCase()].map(regexOf).join("");
  return new RegExp(`^${source}$`).test(variable.toLowerCase());
}
