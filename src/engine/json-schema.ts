import type { ErrorObject, Options, ValidateFunction } from "ajv";

/**
 * A validator for one of the engine's own JSON schemas, compiled on first use: its first error, or
 * undefined when the value matches. The schemas are fixed files of this package, checked against the
 * JSON Schema meta-schema by a test, so they are not checked again at every start of the CLI (that, and
 * compiling schemas a run does not use, took about a tenth of a second of each run).
 */
export function schemaValidator(schema: object, options: Options = {}): (value: unknown) => ErrorObject | undefined {
  let validate: ValidateFunction | undefined;
  return (value) => {
    // Loaded on first use too: the plan's check is compiled ahead of time (compiledValidator).
    const Ajv = (require("ajv") as typeof import("ajv")).default;
    validate ??= new Ajv({ allErrors: false, strict: true, ...options, validateSchema: false }).compile(schema);
    return validate(value) ? undefined : validate.errors![0];
  };
}

/** The same for a check ajv compiled ahead of time (standalone code, e.g. src/engine/plan/plan-validator.ts). */
export function compiledValidator(validate: {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}): (value: unknown) => ErrorObject | undefined {
  return (value) => (validate(value) ? undefined : validate.errors![0]);
}

/** Where a schema error is ("waivers.0.reason", "(root)") and what it says, for a one-line message. */
export function describeSchemaError(e: ErrorObject): { where: string; detail: string } {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "(root)";
  const detail =
    e.keyword === "additionalProperties"
      ? `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : `${e.message}`;
  return { where, detail };
}
