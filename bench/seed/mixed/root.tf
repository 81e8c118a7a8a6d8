# Once for every service: the account's audit trail (data events of all tables) and alerts on
# changes to any table.
resource "aws_kms_key" "audit" {
  description         = "audit trail key"
  enable_key_rotation = true
}

resource "aws_s3_bucket" "audit" {
  bucket              = "mixed-audit-trail"
  object_lock_enabled = true
}

resource "aws_cloudtrail" "audit" {
  name           = "audit"
  s3_bucket_name = aws_s3_bucket.audit.id
  kms_key_id     = aws_kms_key.audit.arn
  advanced_event_selector {
    name = "DynamoDB data events"
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::DynamoDB::Table"]
    }
  }
}

resource "aws_sns_topic" "table_changes" {
  name = "table-changes"
}

resource "aws_cloudwatch_event_rule" "table_changes" {
  name = "table-changes"
  event_pattern = jsonencode({
    source        = ["aws.dynamodb"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail        = { eventName = ["UpdateTable", "DeleteTable"] }
  })
}

resource "aws_cloudwatch_event_target" "table_changes" {
  rule = aws_cloudwatch_event_rule.table_changes.name
  arn  = aws_sns_topic.table_changes.arn
}
