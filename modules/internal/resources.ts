import { Fn, Token } from "cdktf";

/**
 * The IAM resources of tables and their indexes. A list known at synth time is expanded in place,
 * so that the policy JSON stays readable at plan time; a list token (a Terraform variable, as in
 * the published modules) is expanded by Terraform.
 */
export function tablesAndIndexes(tableArns: readonly string[]): string[] {
  if (Token.isUnresolved(tableArns as string[]) && tableArns.length === 1 && tableArns[0].startsWith("#{")) {
    return Token.asList(Fn.concat([tableArns, Fn.formatlist("%s/index/*", [tableArns])]));
  }
  return tableArns.flatMap((arn) => [arn, `${arn}/index/*`]);
}
