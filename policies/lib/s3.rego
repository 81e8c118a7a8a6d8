# METADATA
# title: S3 buckets of the guardrails
# description: >-
#   Which buckets hold audit logs or table archives, and which bucket-level configuration
#   resources (encryption, Object Lock) belong to a bucket: by a reference to the bucket, or by
#   its literal name.
package ddb_guardrails.lib.s3

import rego.v1

import data.ddb_guardrails.lib.plan
import data.ddb_guardrails.lib.plan.tags
import data.ddb_guardrails.lib.references

# Buckets that hold audit logs or archives, by address -> set of evidence saying why.
guardrail_buckets[address] contains sprintf("s3_bucket_name of %s", [trail]) if {
	some trail, buckets in _trail_buckets
	some address in buckets
}

guardrail_buckets[address] contains tags.evidence(tags.role_key, role) if {
	some address, bucket in plan.of_type("aws_s3_bucket")
	some role in {tags.stream_archive, tags.audit_log}
	tags.has(bucket, tags.role_key, role)
}

archive_buckets[address] := bucket if {
	some address, bucket in plan.of_type("aws_s3_bucket")
	tags.has(bucket, tags.role_key, tags.stream_archive)
}

# trail address -> bucket addresses, for trails whose bucket is in the plan.
_trail_buckets[trail] contains bucket if {
	some trail, resource in plan.of_type("aws_cloudtrail")
	some bucket in pointed_buckets(resource, ["s3_bucket_name"])
}

# Trails whose bucket cannot be told before apply: trail address -> evidence.
unresolved_trail_buckets[trail] := evidence if {
	some trail, resource in plan.of_type("aws_cloudtrail")
	some evidence in unresolved_pointers(resource, ["s3_bucket_name"])
}

# The buckets of the plan that attribute `path` of a resource names: by known name, or by reference.
pointed_buckets(resource, path) := _by_name(resource, path) | _by_reference(resource, path)

_by_name(resource, path) := object.get(_buckets_named, name, set()) if {
	name := object.get(resource.after, path, null)
	is_string(name)
} else := set()

# Buckets by their known name, built once (a scan of every bucket per lookup was quadratic).
_buckets_named[name] contains address if {
	some address, bucket in plan.of_type("aws_s3_bucket")
	name := bucket.after.bucket
}

_by_reference(resource, path) := {source.address |
	object.get(resource.unknown, path, false) == true
	some source in references.sources(resource, path)
	_bucket_source(source)
}

# Evidence for a bucket attribute that is unknown and leads to no bucket of the plan.
unresolved_pointers(resource, path) := {sprintf("%s <- %s", [concat(".", path), references.describe(source)]) |
	object.get(resource.unknown, path, false) == true
	some source in references.sources(resource, path)
	not _bucket_source(source)
}

_bucket_source(source) if {
	source.kind == "resource"
	plan.resources[source.address].type == "aws_s3_bucket"
}

# Configuration resources of `type` (with a `bucket` argument) attached to a bucket address.
# The rules ask this for every guardrail bucket: for the configuration types they use, the answer
# comes from an index built once (a scan of every configuration per bucket was quadratic).
attached(type, bucket) := object.get(_attachments, [type, bucket], set()) if type in _indexed_config_types

attached(type, bucket) := {address |
	some address, resource in plan.of_type(type)
	bucket in pointed_buckets(resource, ["bucket"])
} if not type in _indexed_config_types

_indexed_config_types := {"aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_object_lock_configuration"}

_attachments[type][bucket] contains address if {
	some type in _indexed_config_types
	some address, resource in plan.of_type(type)
	some bucket in pointed_buckets(resource, ["bucket"])
}

# Configuration resources of `type` whose bucket cannot be told: address -> evidence.
unattached(type) := object.get(_unattached_by_type, type, {}) if type in _indexed_config_types

unattached(type) := _unattached_of(type) if not type in _indexed_config_types

_unattached_by_type[type] := _unattached_of(type) if some type in _indexed_config_types

_unattached_of(type) := {address: evidence |
	some address, resource in plan.of_type(type)
	some evidence in unresolved_pointers(resource, ["bucket"])
}
