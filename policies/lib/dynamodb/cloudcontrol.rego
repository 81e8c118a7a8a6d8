# Resources created through the Cloud Control API (part of lib/dynamodb's package):
# aws_cloudcontrolapi_resource creates one resource from its CloudFormation resource model:
# desired_state, a JSON string, which the engine reads into input.cloudformation_templates as a
# template of that one resource (logical id "desired_state"). The resources of the types the
# guardrails judge in templates (DynamoDB tables, IAM policies and principals, permission sets,
# nested stacks) join the stacks of lib/dynamodb, so that the table and IAM rules judge them as
# they judge a stack's; a type_name or desired_state known only after apply, or a desired_state
# that is not a JSON object, makes them unreadable (every rule unprovable), like a stack's template.
package ddb_guardrails.lib.dynamodb

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.references

_cloudcontrol_type := "aws_cloudcontrolapi_resource"

# The CloudFormation types whose properties the table and IAM rules read in templates.
_cloudcontrol_judged_types := {
	"AWS::DynamoDB::Table",
	"AWS::DynamoDB::GlobalTable",
	"AWS::IAM::ManagedPolicy",
	"AWS::IAM::Policy",
	"AWS::IAM::RolePolicy",
	"AWS::IAM::UserPolicy",
	"AWS::IAM::GroupPolicy",
	"AWS::IAM::Role",
	"AWS::IAM::User",
	"AWS::IAM::Group",
	"AWS::SSO::PermissionSet",
	"AWS::CloudFormation::Stack",
}

# Cloud Control resources that may create what the rules judge: a judged type, or a type unknown until apply.
stacks[address] := resource if {
	some address, resource in plan.of_type(_cloudcontrol_type)
	not resource.unknown.type_name == true
	object.get(resource.after, "type_name", "") in _cloudcontrol_judged_types
}

stacks[address] := resource if {
	some address, resource in plan.of_type(_cloudcontrol_type)
	resource.unknown.type_name == true
}

_cloudcontrol_unreadable(address, resource) := references.unknown_chain(resource, ["type_name"], "type_name") if {
	resource.unknown.type_name == true
} else := references.unknown_chain(resource, ["desired_state"], "desired_state") if {
	resource.unknown.desired_state == true
} else := ["desired_state: not set"] if {
	not is_string(object.get(resource.after, "desired_state", null))
} else := [concat("", ["desired_state cannot be read: ", template.error])] if {
	template := input.cloudformation_templates[address]
	template.error
} else := ["desired_state was not read by the engine (no cloudformation_templates in the input)"] if {
	not input.cloudformation_templates[address]
}

# How a template's resource is named in evidence: its properties, and the resource itself.
_resource_label(address, id) := "desired_state" if {
	stacks[address].type == _cloudcontrol_type
} else := concat("", ["Resources.", id, ".Properties"])

_resource_subject(address, id, type) := concat("", ["desired_state (", type, "): "]) if {
	stacks[address].type == _cloudcontrol_type
} else := concat("", ["Resources.", id, " (", type, "): "])
