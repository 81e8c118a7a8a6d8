import type { CollectionTag, ScalarTag, YAMLMap, YAMLSeq } from "yaml";
import { embeddedJsonRefusal, repeatedKey } from "../plan/strict-json";
import type { ResourceChange } from "../plan/types";

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

/**
 * The Cloud Control API creates one resource from its CloudFormation resource model (desired_state, JSON):
 * read as a template of that one resource, so that the policies judge it as they judge a stack's.
 */
const CLOUD_CONTROL_TYPE = "aws_cloudcontrolapi_resource";

/** The logical id of a Cloud Control resource in its one-resource template. */
export const CLOUD_CONTROL_RESOURCE_ID = "desired_state";

/**
 * The readable template of every stack in the changes whose template_body is known, and of every Cloud
 * Control resource whose type_name and desired_state are known, by address.
 */
export function cloudFormationTemplates(changes: readonly unknown[]): Record<string, ReadTemplate> {
  const templates: Record<string, ReadTemplate> = {};
  for (const change of changes as ResourceChange[]) {
    if (change.mode !== "managed") continue;
    const after = change.change.after as { template_body?: unknown; type_name?: unknown; desired_state?: unknown };
    if (STACK_TYPES.has(change.type)) {
      const body = after?.template_body;
      if (typeof body === "string" && body.trim() !== "") templates[change.address] = readTemplate(body);
    } else if (change.type === CLOUD_CONTROL_TYPE) {
      const { type_name: type, desired_state: state } = after ?? {};
      if (typeof type === "string" && typeof state === "string")
        templates[change.address] = readDesiredState(type, state);
    }
  }
  return templates;
}

/** desired_state as the template of one resource; JSON with a key twice is unreadable, not guessed. */
export function readDesiredState(type: string, text: string): ReadTemplate {
  const refusal = embeddedJsonRefusal(text);
  if (refusal !== undefined) return { error: `desired_state ${refusal}` };
  let properties: unknown;
  try {
    properties = JSON.parse(text);
  } catch (err) {
    return { error: `desired_state is not JSON (${oneLine((err as Error).message)})` };
  }
  const duplicate = repeatedKey(text, properties);
  if (duplicate)
    return { error: `desired_state has the key ${JSON.stringify(duplicate.key)} twice in ${duplicate.path}` };
  if (!isObject(properties)) return { error: "desired_state is not a JSON object" };
  return {
    resources: { [CLOUD_CONTROL_RESOURCE_ID]: { Type: type, Properties: properties } },
    parameters: {},
    transform: false,
  };
}

/**
 * The most CloudFormation takes as a TemplateBody, which is how the aws provider sends template_body: a
 * longer one fails at apply. Not parsed: the YAML parser took 12 s and 1.3 GB for 13 MB of "- []" lines.
 */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

/** Parses a template (JSON is YAML too); duplicate keys and unknown tags make it unreadable, not guessed. */
export function readTemplate(text: string): ReadTemplate {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > TEMPLATE_BODY_MAX_BYTES)
    return {
      error: `it is ${bytes} bytes, more than the ${TEMPLATE_BODY_MAX_BYTES} CloudFormation accepts as a template body`,
    };
  // Loaded for templates only: every plan's input passes through this module.
  const doc = (require("yaml") as typeof import("yaml")).parseDocument(text, {
    customTags: SHORT_FORM_TAGS,
    uniqueKeys: true,
    prettyErrors: false,
  });
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
