import Ajv, { type ErrorObject, type Options, type ValidateFunction } from "ajv";

/**
 * A validator for one of the engine's own JSON schemas, compiled on first use: its first error, or
 * undefined when the value matches. The schemas are fixed files of this package, checked against the
 * JSON Schema meta-schema by a test, so they are not checked again at every start of the CLI (that, and
 * compiling schemas a run does not use, took about a tenth of a second of each run).
 */
export function schemaValidator(schema: object, options: Options = {}): (value: unknown) => ErrorObject | undefined {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= new Ajv({ allErrors: false, strict: true, ...options, validateSchema: false }).compile(schema);
    return validate(value) ? undefined : validate.errors![0];
  };
}
