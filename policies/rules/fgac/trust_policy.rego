# METADATA
# title: Roles that reach table data can be assumed only by callers the account names
# description: >-
#   A role's table access is only as narrow as the set of callers who can become the role. The rule
#   reads the trust policy (assume_role_policy, as JSON or from its aws_iam_policy_document data source)
#   of every aws_iam_role whose identity policies allow a DynamoDB action (inline, aws_iam_role_policy,
#   attached policies of the plan and AWS-managed ones) or cannot be read. An Allow of
#   sts:AssumeRole (or AssumeRoleWithWebIdentity, AssumeRoleWithSAML, by name, wildcard or
#   NotAction) is a violation when it lets in a caller from anywhere: Principal "*", {"AWS": "*"} or
#   NotPrincipal without a condition that narrows the caller (read as for DDB-FGAC-005); the
#   Federated principal cognito-identity.amazonaws.com without a positive condition on
#   cognito-identity.amazonaws.com:aud naming the identity pool (every pool of every account, their
#   unauthenticated identities included); GitHub's OIDC provider without a condition on
#   token.actions.githubusercontent.com:sub naming the repository. When such a caller may also
#   sts:TagSession and the role's access is bound to ${aws:PrincipalTag/...}, the caller picks the
#   tenant: the witness carries the session tag. A trust policy or principals known only after
#   apply, from anything but a policy document, give DDB-FGAC-007-UNPROVABLE.
# custom:
#   id: DDB-FGAC-007
#   guardrail: fgac
#   severity: critical
#   remediation: >-
#     Name the principals that may assume the role (account or role ARNs, a service), or add a
#     condition that narrows the caller (aws:PrincipalOrgID, aws:PrincipalArn); for Cognito, require
#     cognito-identity.amazonaws.com:aud = the identity pool id; for GitHub, require
#     token.actions.githubusercontent.com:sub = repo:<owner>/<repository>:<ref>.
#   concept: IAM-only access model (no DB users)
#   example: |
#     data "aws_iam_policy_document" "guest_trust" {
#       statement {
#         actions = ["sts:AssumeRoleWithWebIdentity"]
#         principals {
#           type        = "Federated"
#           identifiers = ["cognito-identity.amazonaws.com"]
#         }
#         condition {
#           test     = "StringEquals"
#           variable = "cognito-identity.amazonaws.com:aud"
#           values   = [aws_cognito_identity_pool.app.id]
#         }
#       }
#     }
package ddb_guardrails.rules.fgac.trust_policy

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam
import data.ddb_guardrails.lib.iam.conditions as iam_conditions
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.network
import data.ddb_guardrails.lib.plan

assume_actions := ["sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml"]

violation contains finding if {
	some role in table_roles
	some document in trust_documents(role)
	document.status == "known"
	some i, statement in document.statements
	statement.principals.known
	some action in assume_actions
	reach.allows_action(statement, action)
	some caller in open_callers(statement, action)
	finding := findings.witnessed(
		rego.metadata.chain(),
		role.address,
		sprintf("assume_role_policy statement[%d] lets %s become the role, which reaches table data%s", [
			i, caller.who, tag_text(role, statement),
		]),
		[
			sprintf("%s statement[%d]: %s %s, %s", [
				document.origin, i, statement.principals.kind, json.marshal(statement.principals.values),
				iam_conditions.describe_conditions(statement),
			]),
			sprintf("the role's policies allow %s", [concat(", ", sort(table_access(role)))]),
		],
		reach.witness(caller.principal, caller.action, reach.principal_arn(role), object.union(
			object.union(reach.context_for(statement), caller.context),
			session_tags(role, statement),
		)),
	)
}

violation contains finding if {
	some role in table_roles
	some document in trust_documents(role)
	reason := unreadable(document)
	finding := findings.unprovable(
		rego.metadata.chain(),
		role.address,
		sprintf("assume_role_policy cannot be read before apply: %s", [reason]),
		[concat(": ", [document.origin, reason])],
	)
}

unreadable(document) := document.reason if document.status == "unprovable"

unreadable(document) := sprintf("statement[%d]: the principals are only known after apply", [i]) if {
	document.status == "known"
	some i, statement in document.statements
	iam.allows(statement)
	not statement.principals.known
}

trust_documents(role) := iam.resolve(role, ["assume_role_policy"])

# Roles whose identity policies allow some DynamoDB action, or cannot be read.
table_roles contains role if {
	some address, role in iam_roles
	count(table_access(role)) > 0
}

iam_roles[address] := role if {
	some address, role in plan.of_type("aws_iam_role")
}

table_access(role) := {iam.display_name(min(actions)) |
	some document in network.role_documents(role.address)
	document.status == "known"
	some statement in document.statements
	iam.allows(statement)
	iam.applies_to_dynamodb(statement)
	actions := iam.covered_actions(statement)
	count(actions) > 0
} | {concat("", ["what ", document.holder, " cannot tell before apply"]) |
	some document in network.role_documents(role.address)
	document.status == "unprovable"
}

# Callers from anywhere: {"who", "principal", "action", "context"}.
open_callers(statement, action) := {{
	"who": "any principal of any account",
	"principal": reach.outside_principal,
	"action": action_name(action),
	"context": {},
}} if {
	iam.any_principal(statement)
	not iam_conditions.narrows_caller(statement)
}

open_callers(statement, "sts:assumerolewithwebidentity") := {{
	"who": "the identities of every Cognito identity pool",
	"principal": {"arn": "cognito-identity.amazonaws.com", "account": "", "type": "Federated", "tags": {}},
	"action": "sts:AssumeRoleWithWebIdentity",
	"context": {
		"cognito-identity.amazonaws.com:aud": "eu-west-1:00000000-0000-0000-0000-000000000000",
		"cognito-identity.amazonaws.com:amr": ["unauthenticated"],
	},
}} if {
	"Federated:cognito-identity.amazonaws.com" in statement.principals.values
	not names_value(statement, "cognito-identity.amazonaws.com:aud")
}

open_callers(statement, "sts:assumerolewithwebidentity") := {{
	"who": "a workflow of any GitHub repository",
	"principal": {"arn": provider, "account": object.get({"a": reach.arn_account(provider)}, "a", ""), "type": "Federated", "tags": {}},
	"action": "sts:AssumeRoleWithWebIdentity",
	"context": {
		"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
		"token.actions.githubusercontent.com:sub": "repo:any-owner/any-repository:ref:refs/heads/main",
	},
}} if {
	not names_value(statement, "token.actions.githubusercontent.com:sub")
	some principal in statement.principals.values
	endswith(principal, "oidc-provider/token.actions.githubusercontent.com")
	provider := trim_prefix(principal, "Federated:")
}

# A positive condition on the key whose values all name something (no value that starts with a
# wildcard, no policy variable).
names_value(statement, key) if {
	some condition in iam.conditions_on(statement, key)
	condition.operator in iam_conditions.positive_operators
	count(condition.values) > 0
	every value in condition.values {
		is_string(value)
		not startswith(value, "*")
		not contains(value, ":*")
		not contains(value, "${")
	}
}

action_name("sts:assumerole") := "sts:AssumeRole"

action_name("sts:assumerolewithwebidentity") := "sts:AssumeRoleWithWebIdentity"

action_name("sts:assumerolewithsaml") := "sts:AssumeRoleWithSAML"

# The principal tags the role's access is bound to, when the trust statement lets the caller set them.
bound_tags(role, statement) := {lower(trim_prefix(variable, "aws:principaltag/")) |
	reach.allows_action(statement, "sts:tagsession")
	some document in network.role_documents(role.address)
	document.status == "known"
	some role_statement in document.statements
	some condition in iam.conditions_on(role_statement, "dynamodb:leadingkeys")
	some value in condition.values
	is_string(value)
	some variable in iam.variables_in(value)
	startswith(variable, "aws:principaltag/")
}

session_tags(role, statement) := {sprintf("aws:RequestTag/%s", [tag]): "any-tenant" |
	some tag in bound_tags(role, statement)
}

tag_text(role, statement) := sprintf(", and pick any %s session tag its access is bound to", [concat(", ", sort(bound_tags(role, statement)))]) if {
	count(bound_tags(role, statement)) > 0
}

tag_text(role, statement) := "" if count(bound_tags(role, statement)) == 0
