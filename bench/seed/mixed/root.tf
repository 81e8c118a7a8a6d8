# The account's audit trail, once for every service: data events of all tables.
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
