# The meaning of normalised IAM statements (see iam.rego): which DynamoDB actions and resources
# they reach, who they let in, and their conditions.
package ddb_guardrails.lib.iam

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.wildcard as wildcards

allows(statement) if statement.effect == "Allow"

denies(statement) if statement.effect == "Deny"

# The DynamoDB actions (lower case) a statement applies to: by name, by wildcard, or every
# action its NotAction does not exclude.
covered_actions(statement) := statement.covered

covered_actions(statement) := {action |
	some action in dynamodb_actions
	_matched(statement, action)
} if {
	not statement.covered
}

covers(statement, action) if action in covered_actions(statement)

_matched(statement, action) if {
	statement.actions.kind == "Action"
	_matches_action(statement, action)
}

_matched(statement, action) if {
	statement.actions.kind == "NotAction"
	not _matches_action(statement, action)
}

_matches_action(statement, action) if {
	some pattern in statement.actions.patterns
	_pattern_matches(pattern, concat("", ["dynamodb:", action]))
}

# Wildcards are matched by lib/wildcard/wildcard.rego, not glob.match: under opa-wasm glob.match fails once one
# evaluation has met about a hundred distinct patterns (test/fuzz/iam-matching.test.ts).
_pattern_matches(pattern, name) if {
	not wildcard(pattern)
	pattern == name
}

_pattern_matches(pattern, name) if {
	wildcard(pattern)
	_dynamodb_or_no_service(pattern)
	wildcards.matches(pattern, name)
}

wildcard(pattern) if contains(pattern, "*")

wildcard(pattern) if contains(pattern, "?")

# "dynamodb:..." or a pattern without a service such as "*" (IAM refuses a wildcard in the service).
_dynamodb_or_no_service(pattern) if startswith(pattern, "dynamodb:")

_dynamodb_or_no_service(pattern) if not contains(pattern, ":")

# The written patterns that select an action, for evidence: "Action dynamodb:S*" or "NotAction [...]".
why_covered(statement, action) := sprintf("Action %s", [concat(", ", [pattern |
	some pattern in statement.actions.written
	_pattern_matches(lower(pattern), concat("", ["dynamodb:", action]))
])]) if {
	statement.actions.kind == "Action"
}

why_covered(statement, _) := sprintf("NotAction %s does not exclude it", [json.marshal(statement.actions.written)]) if {
	statement.actions.kind == "NotAction"
}

# The statement may apply to DynamoDB resources: "*", a DynamoDB (or wildcard-service) ARN,
# NotResource, or a value known only after apply that does not point only at non-DynamoDB resources.
applies_to_dynamodb(statement) if statement.resources.kind == "NotResource"

applies_to_dynamodb(statement) if {
	statement.resources.kind == "Resource"
	some value in statement.resources.values
	dynamodb_resource(value)
}

applies_to_dynamodb(statement) if {
	statement.resources.kind == "Resource"
	not statement.resources.known
	not _only_other_services(statement.resources.references)
}

dynamodb_resource("*")

dynamodb_resource(value) if {
	parts := split(lower(value), ":")
	count(parts) >= 3
	wildcards.matches(parts[2], "dynamodb")
}

dynamodb_resource(value) if {
	count(split(value, ":")) < 3
	contains(value, "*")
}

# References that all lead to ARNs of AWS resources of other services (e.g. an S3 bucket ARN).
_only_other_services(sources) if {
	count(sources) > 0
	every source in sources {
		other_service_arn(source)
	}
}

# A Resource known only after apply that references the ARN of an AWS resource of another service
# (aws_kms_key.k.arn, "${aws_s3_bucket.b.arn}/*", "${aws_cloudwatch_log_group.g.arn}:*") reaches no
# table. Any other value it reads can name a table: a name, an id (for most AWS resources not an
# ARN; a bucket's id is its name), an SSM parameter's value, any attribute of a resource of another
# provider (random_pet.p.id, terraform_data.d.output), the whole object: it reaches any table.
# DynamoDB resources are followed as the tables they are (requests.rego, reference_values).
other_service_arn(source) if {
	source.kind == "resource"
	type := plan.resources[source.address].type
	startswith(type, "aws_")
	not startswith(type, "aws_dynamodb_")
	count(object.get(source, "attributes", set())) > 0
	every attribute in source.attributes {
		attribute == "arn"
	}
}

# Anyone: "*", {"AWS": "*"}, or a NotPrincipal allow.
any_principal(statement) if {
	statement.principals.kind == "Principal"
	some principal in statement.principals.values
	principal in {"*", "AWS:*"}
}

any_principal(statement) if statement.principals.kind == "NotPrincipal"

# Conditions on one key (lower case).
conditions_on(statement, key) := [condition | some condition in statement.conditions; condition.key == key]

unconditional(statement) if count(statement.conditions) == 0

# The policy variables a value uses, lower case, e.g. "${aws:username}/x" -> {"aws:username"}.
variables_in(value) := {lower(match[1]) | some match in regex.find_all_string_submatch_n(`\$\{([^}]+)\}`, value, -1)}
