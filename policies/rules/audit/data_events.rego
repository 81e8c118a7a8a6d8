# METADATA
# title: A CloudTrail trail records DynamoDB data events, reads and writes, for every table
# description: >-
#   Management events show who changed a table, not who read or wrote its items: GetItem, Query,
#   Scan, PutItem… are data events, off by default. Without them there is no record of a data
#   leak or a tampering. A table is covered when an enabled aws_cloudtrail of the plan has an
#   event_selector with a data_resource of type AWS::DynamoDB::Table whose values name it
#   ("arn:aws:dynamodb" for every table, its ARN by reference, or a literal ARN ending in
#   table/<name>) with read_write_type All, or advanced_event_selectors with eventCategory = Data
#   and resources.type = AWS::DynamoDB::Table whose resources.ARN conditions (equals, starts_with,
#   ends_with, and their not_ forms, literal or by reference) select it; reads and writes may come
#   from different selectors. Selectors that allow-list eventName do not count (they record only
#   some operations), nor do those whose other fields leave out table data events (eventName or
#   eventSource conditions that exclude some of them, readOnly conditions read on "true" and
#   "false", or any other field such as userIdentity.arn, which leaves out some callers); a literal
#   ARN selects a table only when it is a DynamoDB ARN. A single-Region trail records the tables of
#   its own Region only: its provider's Region must be the table's (the same provider configuration,
#   or both Regions written as constants); when that cannot be told, DDB-AUD-001-UNPROVABLE. A trail
#   records its own account only: a trail and a table are in one account when they share a provider
#   configuration, when the accounts they are deployed into are equal (a provider's
#   allowed_account_ids or assume_role role ARN, else the account_ids parameter when it lists one
#   account), or when neither provider names an account (both use the run's credentials); a table of
#   another known account is not covered, and one whose account cannot be compared with the
#   trail's is DDB-AUD-001-UNPROVABLE. An organization trail (is_organization_trail) also records
#   its organisation's member accounts, which the plan does not list: a table of another account
#   is then DDB-AUD-001-UNPROVABLE. The violation is reported on each table that is not covered,
#   also when the plan has no trail at all (an organisation trail kept outside the plan is then
#   waived per table, with its reason). The account and Region inside a literal ARN are not
#   checked, since a new table's ARN is unknown before apply. When a trail's selectors or table list cannot be
#   followed before apply (a local, a module output the plan lacks, a dynamic block), tables not
#   otherwise covered get DDB-AUD-001-UNPROVABLE. A for-expression over the instances of a module
#   called with for_each or count ([for t in module.tables : t.table_arn]) records the tables it
#   lists when the Terraform source is at hand (the plan records only module.tables; without the
#   source it stays unprovable); a filter (if t.name != "x") leaves its table out, flagged.
#   Literal ARNs mixed with references in one list
#   are not visible in the plan (only the references are) and do not count.
# custom:
#   id: DDB-AUD-001
#   guardrail: audit
#   severity: high
#   remediation: >-
#     Add to an aws_cloudtrail an event_selector { read_write_type = "All", data_resource { type =
#     "AWS::DynamoDB::Table", values = [aws_dynamodb_table.<name>.arn] } } (or an advanced event
#     selector with eventCategory = Data and resources.type = AWS::DynamoDB::Table); the AuditTrail
#     construct does this for the tables it is given.
#   concept: Logging and auditing
#   example: |
#     resource "aws_cloudtrail" "data_events" {
#       name           = "dynamodb-data-events"
#       s3_bucket_name = aws_s3_bucket.trail_logs.id
#
#       event_selector {
#         read_write_type = "All"
#
#         data_resource {
#           type   = "AWS::DynamoDB::Table"
#           values = [aws_dynamodb_table.sessions.arn]
#         }
#       }
#     }
package ddb_guardrails.rules.audit.data_events

import rego.v1

import data.ddb_guardrails.lib.cloudtrail
import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.iam.reach
import data.ddb_guardrails.lib.monitoring
import data.ddb_guardrails.lib.plan

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	not cloudtrail.both - covered_modes(table) == set()
	count(uncertain(table)) == 0
	finding := findings.violation(
		rego.metadata.chain(),
		address,
		sprintf("no CloudTrail trail records DynamoDB data events (%s) for this table", [concat(" and ", sort(cloudtrail.both - covered_modes(table)))]),
		gap_evidence(table),
	)
}

violation contains finding if {
	some address, table in plan.of_type("aws_dynamodb_table")
	not cloudtrail.both - covered_modes(table) == set()
	count(uncertain(table)) > 0
	finding := findings.unprovable(
		rego.metadata.chain(),
		address,
		"whether a CloudTrail trail records data events for this table is only known after apply",
		sort(uncertain(table)),
	)
}

# The modes (read, write) recorded for a table by the enabled trails' cloudtrail.selectors that surely select it.
# A selector without conditions selects every table of its trail's Regions: those are judged once per
# Region scope, not once per table (tables x cloudtrail.selectors was quadratic in plans with a trail per
# service; docs/benchmarks.md).
covered_modes(table) := universal_modes(table) | {mode |
	some selector in cloudtrail.conditional_selectors
	cloudtrail.active(selector.trail)
	cloudtrail.records_of(selector.trail, table)
	cloudtrail.covers(selector, table)
	some mode in selector.modes
}

universal_modes(table) := object.get(cloudtrail.everywhere_modes, monitoring.account_scope(table), set()) | {mode |
	some scope in cloudtrail.account_region_scopes(table)
	some mode in object.get(cloudtrail.scoped_modes, scope, set())
}

# Evidence of cloudtrail.selectors that might select the table but cannot be followed before apply.
# (A universal selector always selects the table, so only its trail's enable_logging can be uncertain.)
uncertain(table) := ((({evidence |
	some selector in cloudtrail.conditional_selectors
	not cloudtrail.inactive(selector.trail)
	not cloudtrail.covers(selector, table)
	some evidence in selector.unprovable
} | {cloudtrail.pending(selector.trail) |
	some selector in cloudtrail.universal_selectors
	not cloudtrail.active(selector.trail)
	not cloudtrail.inactive(selector.trail)
	cloudtrail.records_of(selector.trail, table)
}) | {cloudtrail.pending(selector.trail) |
	some selector in cloudtrail.conditional_selectors
	not cloudtrail.active(selector.trail)
	not cloudtrail.inactive(selector.trail)
	cloudtrail.records_of(selector.trail, table)
	cloudtrail.covers(selector, table)
}) | {region_pending(selector.trail) |
	some selector in cloudtrail.selectors
	not cloudtrail.inactive(selector.trail)
	cloudtrail.region_unknown(selector.trail, table)
	not cloudtrail.outside_account(selector.trail, table)
	cloudtrail.covers(selector, table)
}) | {account_pending(selector.trail, table) |
	some selector in cloudtrail.selectors
	not cloudtrail.inactive(selector.trail)
	cloudtrail.records_region_of(selector.trail, table)
	cloudtrail.account_unknown(selector.trail, table)
	cloudtrail.covers(selector, table)
}

account_pending(trail, table) := sprintf(
	"%s is an organization trail of account %s, the table is in account %s: %s",
	[
		trail, reach.resource_account(plan.resources[trail]), reach.resource_account(table),
		"the plan does not tell whether that account is a member of its organisation",
	],
) if {
	cloudtrail.organization_trail(trail)
	monitoring.other_account(plan.resources[trail], table)
} else := sprintf("%s is in %s, the table in %s: whether they are one account is only known at apply", [
	trail, monitoring.account_text(plan.resources[trail]), monitoring.account_text(table),
])

region_pending(trail) := sprintf("%s is a single-Region trail whose Region cannot be compared with the table's before apply", [trail])

gap_evidence(table) := ["no aws_cloudtrail in this plan"] if {
	count(plan.of_type("aws_cloudtrail")) == 0
} else := sorted if {
	sorted := sort({evidence |
		some selector in cloudtrail.selectors
		cloudtrail.covers(selector, table)
		evidence := partial_evidence(selector, table)
	})
	count(sorted) > 0
} else := [sprintf("no data-event selector of %s selects this table", [concat(", ", sort({a | some a, _ in plan.of_type("aws_cloudtrail")}))])]

partial_evidence(selector, table) := sprintf("%s: enable_logging = false", [selector.trail]) if {
	cloudtrail.inactive(selector.trail)
} else := sprintf("%s records account %s, the table is in account %s", [
	selector.trail,
	reach.resource_account(plan.resources[selector.trail]),
	reach.resource_account(table),
]) if {
	cloudtrail.outside_account(selector.trail, table)
} else := sprintf("%s is a single-Region trail of %s, the table is in %s", [
	selector.trail,
	cloudtrail.provider_region(plan.resources[selector.trail]),
	cloudtrail.provider_region(table),
]) if {
	cloudtrail.other_region(selector.trail, table)
} else := sprintf("%s %s records %s events only", [selector.trail, selector.label, concat(", ", sort(selector.modes))])
