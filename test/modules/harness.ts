// Shared by the construct tests: synth a construct in a test scope, read the JSON back, and
// build a full stack (with an offline provider) for `toBeValidTerraform`.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import type { Construct } from "constructs";
import "cdktf/lib/testing/adapters/jest"; // types of the cdktf jest matchers
import { GuardrailConfigError } from "../../modules";
import { fullSynth, testApp } from "../helpers/cdktf-app";

Testing.setupJest();

export const ENV = { accountId: "111122223333", region: "eu-west-1" } as const;

export type Synth = { resource: Record<string, Record<string, any>>; data: Record<string, Record<string, any>> };

/** The synthesized JSON (string, for the cdktf matchers) of whatever `build` adds to a test scope. */
export function synth(build: (scope: Construct) => void): string {
  // Testing.synthScope, with the app's folder removed after the file.
  const stack = new TerraformStack(testApp(), "stack");
  build(stack);
  return Testing.synth(stack);
}

export function parsed(json: string): Synth {
  const doc = JSON.parse(json);
  return { resource: doc.resource ?? {}, data: doc.data ?? {} };
}

/** All resources of a type, as a list of their configurations. */
export function resources(json: string, type: string): Record<string, any>[] {
  return Object.values(parsed(json).resource[type] ?? {});
}

/** The only resource of a type (fails when there is not exactly one). */
export function only(json: string, type: string): Record<string, any> {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The statements of the aws_iam_policy_document at construct path `.../<path>` (its logical id is the path joined with _). */
export function statements(json: string, path: string): Record<string, any>[] {
  const docs = parsed(json).data.aws_iam_policy_document ?? {};
  const suffix = path.replace(/\//g, "_");
  const ids = Object.keys(docs).filter((id) => id.replace(/_[0-9A-F]{8}$/, "").endsWith(suffix));
  if (ids.length !== 1)
    throw new Error(
      `expected one policy document at */${path}, found ${ids.length} among ${Object.keys(docs).join(", ")}`,
    );
  return docs[ids[0]].statement;
}

export function statement(json: string, pathSuffix: string, sid: string): Record<string, any> {
  const found = statements(json, pathSuffix).find((s) => s.sid === sid);
  if (!found) throw new Error(`no statement ${sid} in */${pathSuffix}`);
  return found;
}

/** A full stack with a provider configured for offline use, synthesized to disk for `toBeValidTerraform`. */
export function fullStack(build: (stack: TerraformStack) => void): string {
  const stack = new TerraformStack(testApp(), "test");
  new AwsProvider(stack, "aws", {
    region: ENV.region,
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
  });
  build(stack);
  return fullSynth(stack);
}

/** Synthesizes and returns the GuardrailConfigError it must throw (fails the test when it does not). */
export function configError(build: (scope: Construct) => void): GuardrailConfigError {
  let error: unknown;
  try {
    synth(build);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(GuardrailConfigError);
  return error as GuardrailConfigError;
}
