# METADATA
# title: Parameters
# description: >-
#   Rule parameters with their defaults; a project config (passed as data.ddb_guardrails_config)
#   overrides them key by key.
package ddb_guardrails.lib.params

import rego.v1

_defaults := {
	# The AWS accounts the plan deploys into, for rules that tell another account from this one
	# (besides those its provider configurations name with allowed_account_ids or assume_role).
	"account_ids": [],
	# KMS key ARNs outside the plan that are accepted as customer-managed.
	"allowed_key_arns": [],
	# Item attributes that only privileged writers may set, on tables tagged
	# ddb-guardrails:protected-attributes (whose value lists more, space-separated).
	"protected_attributes": ["isAdmin"],
	# Policy variables (glob, case-insensitive) that bind dynamodb:LeadingKeys to the caller.
	"principal_variables": [
		"aws:username",
		"aws:userid",
		"aws:PrincipalTag/*",
		"www.amazon.com:user_id",
		"cognito-identity.amazonaws.com:sub",
		"graph.facebook.com:id",
		"accounts.google.com:sub",
		"saml:sub",
	],
}

effective := object.union(_defaults, _configured)

default _configured := {}

_configured := data.ddb_guardrails_config.parameters
