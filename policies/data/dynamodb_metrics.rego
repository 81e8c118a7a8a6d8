# The CloudWatch metrics DynamoDB publishes in the AWS/DynamoDB namespace, each with the sets of
# dimension names it is published with (an empty set: the account-level metric, no dimension).
# A metric asked for with any other set of dimension names has no data point, ever: CloudWatch
# matches dimensions exactly. Kept by hand from the source below; add a metric or a dimension set
# when the documentation adds one.
package ddb_guardrails.data.dynamodb_metrics

import rego.v1

source := "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html"

namespace := "AWS/DynamoDB"

table := {"TableName"}

table_or_index := {{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}}

account := {set()}

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
	"ReturnedItemCount": {{"TableName", "Operation"}},
	"ReturnedRecordsCount": {{"TableName", "Operation", "StreamLabel"}},
	"SuccessfulRequestLatency": {{"TableName", "Operation"}, {"TableName", "Operation", "StreamLabel"}},
	"SystemErrors": {{"TableName", "Operation"}},
	"ThrottledPutRecordCount": {{"TableName", "DelegatedOperation"}},
	"ThrottledRequests": {{"TableName", "Operation"}},
	"TimeToLiveDeletedItemCount": {table},
	"TransactionConflict": {table},
	"UserErrors": account,
	"WriteAccountLimitThrottleEvents": table_or_index,
	"WriteKeyRangeThroughputThrottleEvents": table_or_index,
	"WriteMaxOnDemandThroughputThrottleEvents": table_or_index,
	"WriteProvisionedThroughputThrottleEvents": table_or_index,
	"WriteThrottleEvents": table_or_index,
}
