package ddb_guardrails.lib.wildcard_test

import rego.v1

import data.ddb_guardrails.lib.wildcard

test_a_name_without_wildcards_matches_only_itself if {
	wildcard.matches("dynamodb:getitem", "dynamodb:getitem")
	not wildcard.matches("dynamodb:getitem", "dynamodb:getitems")
	not wildcard.matches("dynamodb:getitems", "dynamodb:getitem")
}

test_a_star_matches_any_run_of_characters if {
	wildcard.matches("*", "")
	wildcard.matches("*", "dynamodb:scan")
	wildcard.matches("dynamodb:get*", "dynamodb:get")
	wildcard.matches("dynamodb:get*", "dynamodb:getitem")
	wildcard.matches("dynamodb:*item", "dynamodb:batchgetitem")
	wildcard.matches("dynamodb:**item", "dynamodb:getitem")
	not wildcard.matches("dynamodb:*item", "dynamodb:query")
	not wildcard.matches("dynamodb:get*item", "dynamodb:getite")
}

test_middle_segments_must_appear_in_order if {
	wildcard.matches("d*get*item*", "dynamodb:batchgetitem")
	wildcard.matches("*a*b*c*", "xaxbxcx")
	wildcard.matches("*a*a*", "aa")
	wildcard.matches("dynamodb:*get*s", "dynamodb:transactgetitems")
	not wildcard.matches("*ab*b", "ab")
	not wildcard.matches("*a*a*", "a")
	not wildcard.matches("*c*b*a*", "xaxbxcx")
	not wildcard.matches("dynamodb:*item*table", "dynamodb:describetable")
}

test_a_question_mark_matches_one_character if {
	wildcard.matches("dynamodb:?etitem", "dynamodb:getitem")
	wildcard.matches("dynamodb:*?item", "dynamodb:getitem")
	wildcard.matches("*g?t*i?em*", "dynamodb:batchgetitem")
	not wildcard.matches("dynamodb:?getitem", "dynamodb:getitem")
	not wildcard.matches("dynamodb:getitem?", "dynamodb:getitem")
	not wildcard.matches("*x?*", "abx")
}

test_glob_metacharacters_are_literal if {
	wildcard.matches("dynamodb:{getitem,putitem}", "dynamodb:{getitem,putitem}")
	not wildcard.matches("dynamodb:{getitem,putitem}", "dynamodb:getitem")
	not wildcard.matches("dynamodb:[g]etitem", "dynamodb:getitem")
	not wildcard.matches("dynamodb:\\getitem", "dynamodb:getitem")
	wildcard.matches("dynamo[db]*", "dynamo[db]:scan")
}
