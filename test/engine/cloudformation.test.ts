// Reading CloudFormation templates for the policies: CloudFormation's JSON form whatever the syntax,
// and a reason instead of a guess for anything CloudFormation itself would not read the same way.
import { cloudFormationTemplates, readDesiredState, readTemplate } from "../../src/engine/input/cloudformation";

describe("readTemplate", () => {
  test("YAML short-form tags become the long form of the JSON syntax", () => {
    const template = readTemplate(
      [
        "Parameters: {Key: {Type: String}}",
        "Resources:",
        "  T:",
        "    Type: AWS::DynamoDB::Table",
        "    Properties:",
        "      TableName: !Sub '${AWS::StackName}-t'",
        "      SSESpecification:",
        "        SSEEnabled: !If [Prod, true, !Ref Off]",
        "        KMSMasterKeyId: !GetAtt Key.Arn",
        "      Other: !Join ['', [!Ref A, !GetAtt [B, Arn]]]",
        "      Map: !Transform {Name: M}",
      ].join("\n"),
    );
    expect(template).toEqual({
      resources: {
        T: {
          Type: "AWS::DynamoDB::Table",
          Properties: {
            TableName: { "Fn::Sub": "${AWS::StackName}-t" },
            SSESpecification: {
              SSEEnabled: { "Fn::If": ["Prod", true, { Ref: "Off" }] },
              KMSMasterKeyId: { "Fn::GetAtt": ["Key", "Arn"] },
            },
            Other: { "Fn::Join": ["", [{ Ref: "A" }, { "Fn::GetAtt": ["B", "Arn"] }]] },
            Map: { "Fn::Transform": { Name: "M" } },
          },
        },
      },
      parameters: { Key: { Type: "String" } },
      transform: false,
    });
  });

  test("JSON templates are read as they are, and a Transform is reported", () => {
    expect(
      readTemplate('{"Transform": "AWS::Serverless-2016-10-31", "Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}'),
    ).toEqual({
      resources: { T: { Type: "AWS::DynamoDB::Table" } },
      parameters: {},
      transform: true,
    });
  });

  test.each([
    ["a tag CloudFormation does not define", "Resources: {T: !Custom x}", /Unresolved tag: !Custom/],
    ["duplicate keys (which value would CloudFormation take?)", '{"Resources": {}, "Resources": {"T": {}}}', /unique/],
    ["no Resources mapping", "AWSTemplateFormatVersion: '2010-09-09'", /no Resources mapping/],
    ["not a mapping", "- a\n- b", /not a mapping/],
    ["not YAML", "Resources: [unclosed", /./],
    [
      "longer than CloudFormation takes (it fails at apply)",
      `Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      X:\n${"        - []\n".repeat(4000)}`,
      /^it is 52072 bytes, more than the 51200 CloudFormation accepts as a template body$/,
    ],
  ])("%s is unreadable, with the reason on one line", (_, text, reason) => {
    const template = readTemplate(text);
    expect(template).toEqual({ error: expect.stringMatching(reason) });
    expect((template as { error: string }).error).not.toContain("\n");
  });
});

describe("cloudFormationTemplates", () => {
  const change = (type: string, after: unknown, mode = "managed") => ({
    address: `${type}.s`,
    mode,
    type,
    change: { after },
  });

  test("reads the template_body of stacks and stack sets, and nothing else", () => {
    expect(
      cloudFormationTemplates([
        change("aws_cloudformation_stack", { template_body: "Resources: {}" }),
        change("aws_cloudformation_stack_set", { template_body: "Resources: {}" }),
        change("aws_s3_bucket", { template_body: "Resources: {}" }),
        change("aws_cloudformation_stack", { template_body: "Resources: {}" }, "data"),
      ]),
    ).toEqual({
      "aws_cloudformation_stack.s": { resources: {}, parameters: {}, transform: false },
      "aws_cloudformation_stack_set.s": { resources: {}, parameters: {}, transform: false },
    });
  });

  test("a stack without a known template_body gets no entry (the policies judge it from the plan)", () => {
    expect(
      cloudFormationTemplates([
        change("aws_cloudformation_stack", { template_url: "https://x" }),
        change("aws_cloudformation_stack", null),
      ]),
    ).toEqual({});
  });

  test("a Cloud Control resource is the template of its one resource, when type_name and desired_state are known", () => {
    const state = JSON.stringify({ TableName: "t", SSESpecification: { SSEEnabled: false } });
    expect(
      cloudFormationTemplates([
        change("aws_cloudcontrolapi_resource", { type_name: "AWS::DynamoDB::Table", desired_state: state }),
        { ...change("aws_cloudcontrolapi_resource", { desired_state: state }), address: "unknown.type" },
        { ...change("aws_cloudcontrolapi_resource", { type_name: "AWS::IAM::Role" }), address: "unknown.state" },
      ]),
    ).toEqual({
      "aws_cloudcontrolapi_resource.s": {
        resources: { desired_state: { Type: "AWS::DynamoDB::Table", Properties: JSON.parse(state) } },
        parameters: {},
        transform: false,
      },
    });
  });
});

describe("readDesiredState", () => {
  test("JSON with more objects and arrays than 64 MiB holds is unreadable, and not parsed", () => {
    const read = readDesiredState("AWS::DynamoDB::Table", `{"a":[${"[],".repeat(2_200_000)}[]]}`);
    expect("error" in read && read.error).toBe("desired_state needs at least 67 MiB to parse");
  });

  test.each([
    ['{"SSESpecification": {"SSEEnabled": true, "SSEEnabled": false}}', 'desired_state has the key "SSEEnabled" twice'],
    ["{not json", "desired_state is not JSON"],
    ['["a list"]', "desired_state is not a JSON object"],
    [`{"a":${"[".repeat(200)}${"]".repeat(200)}}`, "desired_state nests deeper than 100 levels"],
  ])("%s is unreadable, not guessed", (text, reason) => {
    const read = readDesiredState("AWS::DynamoDB::Table", text);
    expect("error" in read && read.error).toMatch(reason);
  });
});
