// Policies written as jsonencode({...}) whose JSON is known only after apply: the source model keeps
// them statement by statement (documentExpression), marking what is known only after apply.
import { join } from "node:path";
import { buildSourceModel, readPlan } from "../../src/engine";
import { evaluate, jsonencodeArgument, type EvalContext } from "../../src/engine/source/evaluate-expression";
import { AFTER_APPLY, documentExpression } from "../../src/engine/source/source-model";
import { FIXTURES, fixturePlan } from "../helpers/paths";

/** Names resolve to references of the root module, as for resources of the plan. */
const references: EvalContext = {
  bindings: new Map(),
  traverse: async (root, segments) => ({
    kind: "refs",
    module: "",
    refs: [[root, ...segments.map((s) => ("name" in s ? s.name : ""))].join(".")],
  }),
};

async function document(text: string): Promise<unknown> {
  return documentExpression(await jsonencodeArgument(text, references), "main.tf:1", { instance: "" });
}

const marked = (...refs: string[]) => ({
  [AFTER_APPLY]: { references: refs, module: "", source_location: "main.tf:1" },
});

describe("documentExpression", () => {
  test("literal parts stay as written, parts known only after apply are marked with their references", async () => {
    const text =
      '${jsonencode({ Statement = [{ Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = aws_cloudwatch_log_group.trail.arn, Condition = { StringEquals = { "aws:username" = ["$${aws:username}"] } } }] })}';
    expect(await document(text)).toEqual({
      json_document: {
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:PutLogEvents"],
            Resource: marked("aws_cloudwatch_log_group.trail.arn"),
            Condition: { StringEquals: { "aws:username": ["${aws:username}"] } },
          },
        ],
      },
      source_location: "main.tf:1",
    });
  });

  test("a for expression over resources references them, not its own symbols", async () => {
    const text = "${jsonencode({ Statement = [{ Resource = [for t in aws_dynamodb_table.tenant : t.arn] }] })}";
    const found = (await document(text)) as { json_document: { Statement: Array<{ Resource: unknown }> } };
    expect(found.json_document.Statement[0].Resource).toEqual({
      [AFTER_APPLY]: {
        any_of: [{ references: ["aws_dynamodb_table.tenant"], module: "", source_location: "main.tf:1" }],
        source_location: "main.tf:1",
      },
    });
    expect(await evaluate("${[for t in aws_dynamodb_table.tenant : t.arn]}", references)).toEqual({
      kind: "any",
      values: [{ kind: "refs", module: "", refs: ["aws_dynamodb_table.tenant"] }],
    });
  });

  test("a part that cannot be said is marked with why", async () => {
    const unknown: EvalContext = { bindings: new Map(), traverse: async () => ({ kind: "unknown", why: "var.x" }) };
    const found = documentExpression(
      await jsonencodeArgument("${jsonencode({ Statement = [{ Action = var.x }] })}", unknown),
      "main.tf:1",
      { instance: "" },
    );
    expect(found).toEqual({
      json_document: { Statement: [{ Action: { [AFTER_APPLY]: { unknown: "var.x" } } }] },
      source_location: "main.tf:1",
    });
  });

  test.each([
    ["a JSON known in source (the plan has it)", '${jsonencode({ Statement = [{ Action = "s3:*" }] })}'],
    ["not a jsonencode() call", "${data.aws_iam_policy_document.p.json}"],
    ["a literal string", "{}"],
    ["a document using the marker as a key", `\${jsonencode({ "${AFTER_APPLY}" = aws_kms_key.k.arn })}`],
    ["a document using the marker as a value", `\${jsonencode({ Sid = "${AFTER_APPLY}", R = aws_kms_key.k.arn })}`],
  ])("no document for %s", async (_, text) => {
    expect(await document(text)).toBeUndefined();
  });
});

describe("buildSourceModel", () => {
  test("the policies of a fixture built with jsonencode() are read per carrier, each at its attribute path", async () => {
    const name = "fgac-jsonencode-after-apply-insecure";
    const model = await buildSourceModel(join(FIXTURES, name), readPlan(fixturePlan(name)));
    const documents = Object.entries(model.attributes).flatMap(([address, attributes]) =>
      Object.entries(attributes)
        .filter(([, expression]) => "json_document" in expression)
        .map(([path]) => `${address} ${path}`),
    );
    expect(documents.sort()).toEqual([
      "aws_dynamodb_resource_policy.invalid_public_table policy",
      "aws_iam_policy.invalid_scan_unfollowed_table policy",
      "aws_iam_role.invalid_inline_all_actions inline_policy.0.policy",
      "aws_iam_role_policy.invalid_scan_tenant_tables policy",
      "aws_iam_role_policy.trail_to_logs policy",
      "aws_iam_user_policy.invalid_actions_after_apply policy",
    ]);
  });
});
