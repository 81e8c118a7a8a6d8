package ddb_guardrails.lib.iam_templates_test

import rego.v1

import data.ddb_guardrails.lib.dynamodb_test as stacks
import data.ddb_guardrails.lib.iam

# [path, status] of each document of a stack whose template holds these resources.
documents_of(resources) := {[d.path, d.status] |
	some d in iam._documents with input as stacks.stack({}, {}, {}, {"resources": resources, "parameters": {}, "transform": false})
}

reasons_of(resources) := {d.reason |
	some d in iam._documents with input as stacks.stack({}, {}, {}, {"resources": resources, "parameters": {}, "transform": false})
}

statement := {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}

test_a_policy_document_written_as_a_json_string_is_read if {
	documents_of({"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": json.marshal({"Statement": [statement]})}}}) == {
		["template_body Resources.P.Properties.PolicyDocument (AWS::IAM::Policy)", "known"],
	}
}

test_a_policy_document_that_is_not_an_object_is_unprovable if {
	resources := {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": ["Statement"]}}}
	documents_of(resources) == {["template_body Resources.P.Properties.PolicyDocument (AWS::IAM::Policy)", "unprovable"]}
	reasons_of(resources) == {"it is not a policy document (a JSON object)"}
}

# An intrinsic function above the document (Fn::If over the list of policies) stops the reading there.
test_an_intrinsic_function_above_the_policies_is_unprovable if {
	resources := {"R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": {"Fn::If": ["Prod", [], []]}}}}
	documents_of(resources) == {["template_body Resources.R.Properties.Policies (AWS::IAM::Role)", "unprovable"]}
}

test_replica_resource_policies_of_a_global_table_are_read if {
	policy := {"ResourcePolicy": {"PolicyDocument": {"Statement": [statement]}}}
	resources := {"G": {"Type": "AWS::DynamoDB::GlobalTable", "Properties": {"Replicas": [{"Region": "eu-west-1"}, policy]}}}
	documents_of(resources) == {["template_body Resources.G.Properties.Replicas[1].ResourcePolicy.PolicyDocument (AWS::DynamoDB::GlobalTable)", "known"]}
	some d in iam._documents with input as stacks.stack({}, {}, {}, {"resources": resources, "parameters": {}, "transform": false})
	d.kind == "dynamodb_resource"
}

# A Ref to a managed policy of the same template is judged there; other intrinsics are unprovable.
test_managed_policy_arns_are_read_or_unprovable if {
	resources := {
		"M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [statement]}}},
		"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Ref": "M"}, {"Fn::ImportValue": "shared"}]}},
		"U": {"Type": "AWS::IAM::User", "Properties": {"ManagedPolicyArns": {"Fn::Split": [",", "a,b"]}}},
		"G": {"Type": "AWS::IAM::Group", "Properties": {"ManagedPolicyArns": []}},
	}
	documents_of(resources) == {
		["template_body Resources.M.Properties.PolicyDocument (AWS::IAM::ManagedPolicy)", "known"],
		["template_body Resources.R.Properties.ManagedPolicyArns (AWS::IAM::Role)", "unprovable"],
		["template_body Resources.U.Properties.ManagedPolicyArns (AWS::IAM::User)", "unprovable"],
	}
	reasons_of(resources) == {
		`[1] = {"Fn::ImportValue":"shared"}, which CloudFormation evaluates at deploy time; the plan cannot follow it`,
		`{"Fn::Split":[",","a,b"]}, which CloudFormation evaluates at deploy time; the plan cannot follow it`,
	}
}

test_permission_sets_are_read_or_unprovable if {
	resources := {"S": {"Type": "AWS::SSO::PermissionSet", "Properties": {
		"InlinePolicy": {"Statement": [statement]},
		"ManagedPolicies": ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"],
		"CustomerManagedPolicyReferences": [{"Name": "app-data"}],
	}}}
	documents_of(resources) == {
		["template_body Resources.S.Properties.InlinePolicy (AWS::SSO::PermissionSet)", "known"],
		["template_body Resources.S.Properties.ManagedPolicies[0] (AWS::SSO::PermissionSet) = AmazonDynamoDBFullAccess (AWS managed)", "known"],
		["template_body Resources.S.Properties.CustomerManagedPolicyReferences (AWS::SSO::PermissionSet)", "unprovable"],
	}
}

# A template CloudFormation rewrites (Transform) may create any policy: unprovable for each kind.
test_a_template_that_cannot_be_read_is_unprovable_for_every_kind if {
	plan := stacks.stack({}, {}, {}, {"resources": {}, "parameters": {}, "transform": true})
	kinds := {d.kind | some d in iam._documents with input as plan; d.status == "unprovable"; d.holder == "aws_cloudformation_stack.t"}
	kinds == {"identity", "dynamodb_resource"}
}

test_a_template_without_policies_has_no_documents if {
	documents_of({"T": {"Type": "AWS::SNS::Topic"}, "R": {"Type": "AWS::IAM::Role", "Properties": {}}}) == set()
}
