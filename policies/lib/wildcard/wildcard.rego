# METADATA
# title: IAM wildcard matching
# description: >-
#   Matches IAM-style patterns (* any run of characters, ? one character, everything else literal)
#   without glob.match or regex.match. Under opa-wasm both compile each distinct pattern to an RE2
#   program kept in a per-instance cache, and after about a hundred distinct patterns in one
#   evaluation the runtime reads out of bounds, overflows its stack or never returns; a plan author
#   controls how many distinct patterns there are, so matching is done here with plain string builtins.
package ddb_guardrails.lib.wildcard

import rego.v1

# The pattern covers the whole value.
matches(pattern, value) if {
	not contains(pattern, "*")
	count(pattern) == count(value)
	_segment_at(pattern, value, 0)
}

matches(pattern, value) if {
	contains(pattern, "*")
	segments := split(pattern, "*")
	first := segments[0]
	last := segments[count(segments) - 1]
	count(first) + count(last) <= count(value)
	_segment_at(first, value, 0)
	_segment_at(last, value, count(value) - count(last))
	_middle_fits(array.slice(segments, 1, count(segments) - 1), value, count(first), count(value) - count(last))
}

# The segments between the first and last "*" appear in order, without overlap, in value[from:to].
_middle_fits(middle, value, from, to) if {
	segments := [segment | some segment in middle; segment != ""]
	every segment in segments {
		# cheap refusal first: a segment without "?" must occur somewhere in value
		_literal_occurs(segment, value)
	}
	_segments_fit(segments, value, from, to)
}

_literal_occurs(segment, _) if contains(segment, "?")

_literal_occurs(segment, value) if contains(value, segment)

_segments_fit(segments, _, _, _) if count(segments) == 0

_segments_fit(segments, value, from, to) if {
	count(segments) == 1
	from <= to - count(segments[0])
	some at in numbers.range(from, to - count(segments[0]))
	_segment_at(segments[0], value, at)
}

_segments_fit(segments, value, from, to) if {
	count(segments) > 1
	"end" in graph.reachable(_placements(segments, value, from, to), {"start"})
}

# A graph whose nodes are the places where each non-empty middle segment fits, with an edge from
# one place to every later place of the next segment: the segments fit iff "end" is reachable.
_placements(segments, value, from, to) := edges if {
	last := count(segments) - 1
	places := {[i, at] |
		some i, segment in segments
		from <= to - count(segment) # numbers.range counts down otherwise
		some at in numbers.range(from, to - count(segment))
		_segment_at(segment, value, at)
	}
	edges := object.union(
		{"start": [sprintf("%d:%d", node) | some node in places; node[0] == 0], "end": []},
		{sprintf("%d:%d", node): next |
			some node in places
			[i, at] := node
			end := at + count(segments[i])
			next := array.concat(
				[sprintf("%d:%d", later) | some later in places; later[0] == i + 1; later[1] >= end],
				["end" | i == last],
			)
		},
	)
}

# A segment (literal characters and "?") fits value at the given character offset.
_segment_at(segment, value, at) if {
	not contains(segment, "?")
	substring(value, at, count(segment)) == segment
}

_segment_at(segment, value, at) if {
	contains(segment, "?")
	at + count(segment) <= count(value)
	pieces := split(segment, "?")
	every j, piece in pieces {
		# piece j starts after the j pieces and j question marks before it
		offset := sum([count(before) | some before in array.slice(pieces, 0, j)]) + j
		substring(value, at + offset, count(piece)) == piece
	}
}
