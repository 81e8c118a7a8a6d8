import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from "yaml";

/**
 * CloudFormation templates carried in a plan (aws_cloudformation_stack's template_body), read here because
 * the policies run under opa-wasm, which has no YAML builtin. The policies get each template's resources in
 * CloudFormation's JSON form (short-form tags such as !Ref become {"Ref": ...}) under TEMPLATES_INPUT_KEY,
 * keyed by the stack's address, or the reason the template could not be read; they judge the rest.
 */
export const TEMPLATES_INPUT_KEY = "cloudformation_templates";

/** Resource types whose template_body declares the resources they create. */
const STACK_TYPES = new Set(["aws_cloudformation_stack", "aws_cloudformation_stack_set"]);

export type ReadTemplate =
  | { resources: Record<string, unknown>; parameters: Record<string, unknown>; transform: boolean }
  | { error: string };

interface Change {
  address: string;
  mode: string;
  type: string;
  change: { after?: unknown };
}

/** The readable template of every stack in the changes whose template_body is known, by address. */
export function cloudFormationTemplates(changes: readonly unknown[]): Record<string, ReadTemplate> {
  const templates: Record<string, ReadTemplate> = {};
  for (const change of changes as Change[]) {
    if (change.mode !== "managed" || !STACK_TYPES.has(change.type)) continue;
    const body = (change.change.after as { template_body?: unknown } | null | undefined)?.template_body;
    if (typeof body === "string" && body.trim() !== "") templates[change.address] = readTemplate(body);
  }
  return templates;
}

/** Parses a template (JSON is YAML too); duplicate keys and unknown tags make it unreadable, not guessed. */
export function readTemplate(text: string): ReadTemplate {
  const doc = parseDocument(text, { customTags: SHORT_FORM_TAGS, uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) return { error: oneLine(problem.message) };
  const template: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isObject(template)) return { error: "the template is not a mapping" };
  if (!isObject(template.Resources)) return { error: "the template has no Resources mapping" };
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  return { resources: template.Resources, parameters, transform: template.Transform !== undefined };
}

/** The intrinsic functions that have a YAML short form, by tag name; the long form is their JSON key. */
const INTRINSICS = [
  "Base64",
  "Cidr",
  "FindInMap",
  "GetAtt",
  "GetAZs",
  "ImportValue",
  "Join",
  "Select",
  "Split",
  "Sub",
  "Transform",
  "And",
  "Equals",
  "If",
  "Not",
  "Or",
  "Length",
  "ToJsonString",
];

function intrinsicTags(name: string, key: string): (ScalarTag | CollectionTag)[] {
  const scalar = (value: string): unknown => (name === "GetAtt" ? splitGetAtt(value) : value);
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: scalar(value) }) },
    { tag: `!${name}`, collection: "seq", resolve: (seq) => ({ [key]: (seq as YAMLSeq).toJSON() }) } as CollectionTag,
    { tag: `!${name}`, collection: "map", resolve: (map) => ({ [key]: (map as YAMLMap).toJSON() }) } as CollectionTag,
  ];
}

/** `!GetAtt Key.Arn` is `{"Fn::GetAtt": ["Key", "Arn"]}`: the logical id ends at the first dot. */
function splitGetAtt(value: string): string[] {
  const dot = value.indexOf(".");
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

const SHORT_FORM_TAGS = [
  ...intrinsicTags("Ref", "Ref"),
  ...intrinsicTags("Condition", "Condition"),
  ...INTRINSICS.flatMap((name) => intrinsicTags(name, `Fn::${name}`)),
];

function oneLine(message: string): string {
  return message.split("\n")[0].trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
