package ddb_guardrails.lib.plan.source_test

import rego.v1

import data.ddb_guardrails.lib.plan.source

table := {"config_key": "module.t.aws_dynamodb_table.this"}

test_without_source_the_plan_cannot_tell if {
	source.missing_block(table, "ttl") == "ttl: no block in the plan's configuration (the plan leaves dynamic blocks out)"
}

test_source_without_dynamic_block_says_absent if {
	source.missing_block(table, "ttl") == "ttl: no block in the configuration or the source" with input.source as {"dynamic": {}}
}

test_source_with_dynamic_block_says_so if {
	dynamic := {"module.t.aws_dynamodb_table.this": ["ttl"]}
	source.missing_block(table, "ttl") == "ttl: written as a dynamic block whose content is not known before apply" with input.source as {"dynamic": dynamic}
}

test_text_names_the_source_location if {
	source.text("k <- x", {"source_location": "main.tf:3"}) == "k <- x (from source main.tf:3)"
	source.text("k <- x", {}) == "k <- x"
}
