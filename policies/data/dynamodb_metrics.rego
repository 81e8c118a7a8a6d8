# The CloudWatch metrics DynamoDB publishes in the AWS/DynamoDB namespace, each with the sets of
# dimension names it is published with (an empty set: the account-level metric, no dimension).
# A metric asked for with any other set of dimension names has no data point, ever: CloudWatch
# matches dimensions exactly. Kept by hand from the source below; add a metric or a dimension set
# when the documentation adds one.
#
# Checked against "DynamoDB Metrics and dimensions" (source), whose text is kept in
# awsdocs/amazon-dynamodb-developer-guide, doc_source/metrics-dimensions.md (commit
# ae4d6135586ccaac467b91abd1d7f1990aed288b): each metric's "Dimensions:" line, and the section
# "Understanding metrics and dimensions", which adds Verb (emitted for ExecuteStatement) and
# OperationType (emitted for ExecuteTransaction and BatchExecuteStatement) to the metrics published
# per Operation, and StreamLabel to those of DynamoDB Streams GetRecords. The throttle metrics by
# cause (Read/Write AccountLimit, KeyRangeThroughput, MaxOnDemandThroughput and
# ProvisionedThroughput ThrottleEvents, listed on the page since 2025) are not in that text: they
# keep the table-or-index sets of ReadThrottleEvents and WriteThrottleEvents.
package ddb_guardrails.data.dynamodb_metrics

import rego.v1

source := "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html"

namespace := "AWS/DynamoDB"

table := {"TableName"}

table_or_index := {{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}}

account := {set()}

# Metrics published per request Operation: with TableName and Operation, and for PartiQL requests
# with the dimension that operation emits as well.
per_operation := {{"TableName", "Operation"}, {"TableName", "Operation", "Verb"}, {"TableName", "Operation", "OperationType"}}

# The Operation values each of those dimensions is emitted with: with any other operation, the
# dimension set names a metric that is never published.
operation_dimensions := {
	"Verb": {"ExecuteStatement"},
	"OperationType": {"ExecuteTransaction", "BatchExecuteStatement"},
}

published := {
	"AccountMaxReads": account,
	"AccountMaxTableLevelReads": account,
	"AccountMaxTableLevelWrites": account,
	"AccountMaxWrites": account,
	"AccountProvisionedReadCapacityUtilization": account,
	"AccountProvisionedWriteCapacityUtilization": account,
	"AgeOfOldestUnreplicatedRecord": {{"TableName", "DelegatedOperation"}},
	"ConditionalCheckFailedRequests": {table},
	"ConsumedChangeDataCaptureUnits": {{"TableName", "DelegatedOperation"}},
	"ConsumedReadCapacityUnits": table_or_index,
	"ConsumedWriteCapacityUnits": table_or_index,
	"FailedToReplicateRecordCount": {{"TableName", "DelegatedOperation"}},
	"MaxProvisionedTableReadCapacityUtilization": account,
	"MaxProvisionedTableWriteCapacityUtilization": account,
	"OnlineIndexConsumedWriteCapacity": {{"TableName", "GlobalSecondaryIndexName"}},
	"OnlineIndexPercentageProgress": {{"TableName", "GlobalSecondaryIndexName"}},
	"OnlineIndexThrottleEvents": {{"TableName", "GlobalSecondaryIndexName"}},
	"PendingReplicationCount": {{"TableName", "ReceivingRegion"}},
	"ProvisionedReadCapacityUnits": table_or_index,
	"ProvisionedWriteCapacityUnits": table_or_index,
	"ReadAccountLimitThrottleEvents": table_or_index,
	"ReadKeyRangeThroughputThrottleEvents": table_or_index,
	"ReadMaxOnDemandThroughputThrottleEvents": table_or_index,
	"ReadProvisionedThroughputThrottleEvents": table_or_index,
	"ReadThrottleEvents": table_or_index,
	"ReplicationLatency": {{"TableName", "ReceivingRegion"}},
	"ReturnedBytes": {{"TableName", "Operation", "StreamLabel"}},
	"ReturnedItemCount": per_operation,
	"ReturnedRecordsCount": {{"TableName", "Operation", "StreamLabel"}},
	"SuccessfulRequestLatency": (per_operation | {{"TableName", "Operation", "StreamLabel"}}),
	"SystemErrors": per_operation,
	"ThrottledPutRecordCount": {{"TableName", "DelegatedOperation"}},
	"ThrottledRequests": per_operation,
	"TimeToLiveDeletedItemCount": {table},
	"TransactionConflict": {table},
	"UserErrors": account,
	"WriteAccountLimitThrottleEvents": table_or_index,
	"WriteKeyRangeThroughputThrottleEvents": table_or_index,
	"WriteMaxOnDemandThroughputThrottleEvents": table_or_index,
	"WriteProvisionedThroughputThrottleEvents": table_or_index,
	"WriteThrottleEvents": table_or_index,
}
