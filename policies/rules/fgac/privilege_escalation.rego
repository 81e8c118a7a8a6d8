# METADATA
# title: Principals cannot grant themselves table access through IAM
# description: >-
#   A principal that may change IAM policies can give itself any DynamoDB access, whatever its own
#   policies say about tables. An Allow in an identity policy (read as for DDB-FGAC-001) of an action
#   that writes permissions (iam:AttachRolePolicy, PutRolePolicy, AttachUserPolicy, PutUserPolicy,
#   AttachGroupPolicy, PutGroupPolicy, CreatePolicyVersion, SetDefaultPolicyVersion,
#   UpdateAssumeRolePolicy, DeleteRolePermissionsBoundary, DeleteUserPermissionsBoundary,
#   AddUserToGroup) or hands a role to a service it controls (iam:PassRole), by name, wildcard or
#   NotAction (NotAction dynamodb:* allows all of them), on "*", NotResource or an IAM ARN pattern
#   that matches every role, user, group or policy, is a violation. So is iam:TagRole or iam:TagUser on
#   every role or user, or on the principal itself (a resource written with ${aws:username} or
#   ${aws:PrincipalArn}), when the plan binds table access to ${aws:PrincipalTag/...}: the principal
#   retags itself into another tenant. A statement that allows every DynamoDB action is DDB-FGAC-003's
#   and is not reported again. The same actions on named roles and policies are not flagged. A policy
#   that cannot be read before apply is reported by the DynamoDB access rules (DDB-FGAC-006-UNPROVABLE).
# custom:
#   id: DDB-FGAC-008
#   guardrail: fgac
#   severity: critical
#   remediation: >-
#     Grant IAM write actions and iam:PassRole on the ARNs of the roles and policies the principal
#     manages (or leave them to a deployment role with a permissions boundary); replace NotAction with
#     the actions the workload needs.
#   concept: IAM-only access model (no DB users)
#   example: |
#     data "aws_iam_policy_document" "deployer" {
#       statement {
#         actions   = ["iam:PassRole"]
#         resources = [aws_iam_role.app_task.arn] # not "*"
#       }
#     }
package ddb_guardrails.rules.fgac.privilege_escalation

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.reach

# Lower-case action -> the resource kind a witness names.
escalation_actions := {
	"iam:attachrolepolicy": "role",
	"iam:putrolepolicy": "role",
	"iam:attachuserpolicy": "user",
	"iam:putuserpolicy": "user",
	"iam:attachgrouppolicy": "group",
	"iam:putgrouppolicy": "group",
	"iam:createpolicyversion": "policy",
	"iam:setdefaultpolicyversion": "policy",
	"iam:updateassumerolepolicy": "role",
	"iam:deleterolepermissionsboundary": "role",
	"iam:deleteuserpermissionsboundary": "user",
	"iam:addusertogroup": "group",
	"iam:passrole": "role",
}

tag_actions := {"iam:tagrole": "role", "iam:taguser": "user"}

# ARNs no configuration names: a pattern that matches one matches every role, user, group or policy.
probes contains ["iam", sprintf("%s/ddb-guardrails-probe", [kind])] if some kind in ["role", "user", "group", "policy"]

violation contains finding if {
	some document in iam.documents_of_kind("identity")
	document.status == "known"
	some i, statement in document.statements
	iam.covered_actions(statement) != iam.dynamodb_actions
	actions := escalations(statement)
	count(actions) > 0
	action := witness_action(actions)
	finding := findings.witnessed(
		rego.metadata.chain(),
		document.holder,
		sprintf("%s statement[%d] allows %s on %s: the principal can grant itself any table access", [
			document.path, i, concat(", ", sort({display(a) | some a in actions})), reached(statement, actions),
		]),
		[sprintf("%s statement[%d]: %s %s on %s", [
			document.origin, i, statement.actions.kind, json.marshal(statement.actions.written), reach.describe_resources(statement),
		])],
		reach.witness(
			reach.holder_principal(document),
			display(action),
			sprintf("arn:aws:iam::%s:%s/any-%s", [reach.account_text(document_holder(document)), kind(action), kind(action)]),
			{},
		),
	)
}

escalations(statement) := {action |
	reach.every_resource(statement, probes)
	some action, _ in escalation_actions
	reach.allows_action(statement, action)
} | {action |
	plan_binds_principal_tags
	some action, _ in tag_actions
	reach.allows_action(statement, action)
	tags_reach(statement)
}

# Tagging reaches another tenant when it may tag every principal, or the caller itself.
tags_reach(statement) if reach.every_resource(statement, probes)

tags_reach(statement) if self_resource(statement)

# A Resource written with the caller's own name or ARN: the principal itself.
self_resource(statement) if {
	statement.resources.kind == "Resource"
	some value in statement.resources.values
	is_string(value)
	regex.match(`(?i)[$&]\{\s*aws:(username|principalarn)\s*\}`, value)
}

reached(statement, _) := concat(" ", ["every", kinds(escalations(statement))]) if reach.every_resource(statement, probes)

reached(statement, actions) := concat(" ", ["itself: its own", kinds(actions)]) if not reach.every_resource(statement, probes)

# Some identity policy binds dynamodb:LeadingKeys to a principal tag.
plan_binds_principal_tags if {
	some document in iam.documents_of_kind("identity")
	document.status == "known"
	some statement in document.statements
	some condition in iam.conditions_on(statement, "dynamodb:leadingkeys")
	some value in condition.values
	is_string(value)
	some variable in iam.variables_in(value)
	startswith(variable, "aws:principaltag/")
}

# The action a reviewer recognises first, for the witness.
witness_action(actions) := "iam:putrolepolicy" if "iam:putrolepolicy" in actions

witness_action(actions) := min(actions) if not "iam:putrolepolicy" in actions

kind(action) := object.union(escalation_actions, tag_actions)[action]

kinds(actions) := concat(", ", sort({kind(action) | some action in actions}))

document_holder(document) := data.ddb_guardrails.lib.plan.resources[document.holder]

# "iam:putrolepolicy" -> "iam:PutRolePolicy", for messages.
display(action) := concat("", ["iam:", names[action]])

names := {
	"iam:attachrolepolicy": "AttachRolePolicy",
	"iam:putrolepolicy": "PutRolePolicy",
	"iam:attachuserpolicy": "AttachUserPolicy",
	"iam:putuserpolicy": "PutUserPolicy",
	"iam:attachgrouppolicy": "AttachGroupPolicy",
	"iam:putgrouppolicy": "PutGroupPolicy",
	"iam:createpolicyversion": "CreatePolicyVersion",
	"iam:setdefaultpolicyversion": "SetDefaultPolicyVersion",
	"iam:updateassumerolepolicy": "UpdateAssumeRolePolicy",
	"iam:deleterolepermissionsboundary": "DeleteRolePermissionsBoundary",
	"iam:deleteuserpermissionsboundary": "DeleteUserPermissionsBoundary",
	"iam:addusertogroup": "AddUserToGroup",
	"iam:passrole": "PassRole",
	"iam:tagrole": "TagRole",
	"iam:taguser": "TagUser",
}
