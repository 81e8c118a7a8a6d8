// The engine's own JSON schemas are compiled without re-checking them at run time (src/engine/json-schema.ts):
// this is where they are checked against the JSON Schema meta-schema instead.
import Ajv from "ajv";
import baselineSchema from "../../src/engine/config/baseline-schema.json";
import configSchema from "../../src/engine/config/config-schema.json";
import planSchema from "../../src/engine/plan/plan-schema.json";

test.each([
  ["plan-schema.json", planSchema],
  ["config-schema.json", configSchema],
  ["baseline-schema.json", baselineSchema],
])("%s is a valid JSON schema", (_name, schema) => {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  expect(ajv.validateSchema(schema)).toBe(true);
  expect(ajv.errors).toBeNull();
});
