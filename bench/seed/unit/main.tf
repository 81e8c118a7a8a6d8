# One service of a monorepo: a few DynamoDB tables with their keys, IAM, network and audit trail,
# and, as in real stacks, many more unrelated resources (buckets, topics, queues, security groups).
# It mixes compliant resources with violating ones so that every benchmark run has findings.
variable "name" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

# --- keys ---------------------------------------------------------------------------------
resource "aws_kms_key" "data" {
  description         = "${var.name} table key"
  enable_key_rotation = true
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.data.key_id
}

# violating: rotation off
resource "aws_kms_key" "legacy" {
  description = "${var.name} legacy key"
}

# --- tables -------------------------------------------------------------------------------
module "orders" {
  source      = "../table"
  name        = "${var.name}-orders"
  kms_key_arn = aws_kms_key.data.arn
}

resource "aws_dynamodb_table" "sessions" {
  name                        = "${var.name}-sessions"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    data_class = "session-store"
  }
}

# violating: AWS-owned key, no PITR, no deletion protection
resource "aws_dynamodb_table" "legacy" {
  name         = "${var.name}-legacy"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }
}

# violating: AWS-managed key (SSE on, no key)
resource "aws_dynamodb_table" "cache" {
  name         = "${var.name}-cache"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "k"

  attribute {
    name = "k"
    type = "S"
  }

  server_side_encryption {
    enabled = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

# --- IAM ----------------------------------------------------------------------------------
data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "${var.name}-app"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

# compliant: item access bound to the caller's partition, from the VPC endpoint
data "aws_iam_policy_document" "app_data" {
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.sessions.arn]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["$${aws:PrincipalTag/tenant}"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpce"
      values   = [aws_vpc_endpoint.dynamodb.id]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.sessions.arn]
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "dynamodb:Attributes"
      values   = ["isAdmin"]
    }
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "data"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app_data.json
}

# violating: Scan and unconditioned item reads on every table
resource "aws_iam_policy" "reporting" {
  name = "${var.name}-reporting"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:BatchGetItem"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "reporting" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.reporting.arn
}

# --- network ------------------------------------------------------------------------------
resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 0)
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 1)
  availability_zone = "eu-west-1b"
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "b" {
  subnet_id      = aws_subnet.b.id
  route_table_id = aws_route_table.private.id
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalAccount" = "111122223333" } }
    }]
  })
}

resource "aws_security_group" "lambda" {
  name   = "${var.name}-lambda"
  vpc_id = aws_vpc.main.id
}

resource "aws_lambda_function" "api" {
  function_name = "${var.name}-api"
  role          = aws_iam_role.app.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "lambda.zip"
  vpc_config {
    subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
    security_group_ids = [aws_security_group.lambda.id]
  }
  environment {
    variables = {
      TABLE = aws_dynamodb_table.sessions.name
    }
  }
}

# violating: a second VPC running compute with no DynamoDB endpoint
resource "aws_vpc" "batch" {
  cidr_block = "172.16.0.0/16"
}

resource "aws_subnet" "batch" {
  vpc_id     = aws_vpc.batch.id
  cidr_block = "172.16.0.0/20"
}

resource "aws_security_group" "batch" {
  name   = "${var.name}-batch"
  vpc_id = aws_vpc.batch.id
}

resource "aws_lambda_function" "batch" {
  function_name = "${var.name}-batch"
  role          = aws_iam_role.app.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "lambda.zip"
  vpc_config {
    subnet_ids         = [aws_subnet.batch.id]
    security_group_ids = [aws_security_group.batch.id]
  }
}

# --- audit --------------------------------------------------------------------------------
resource "aws_s3_bucket" "trail" {
  bucket              = "${var.name}-trail"
  object_lock_enabled = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "trail" {
  bucket = aws_s3_bucket.trail.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

resource "aws_cloudtrail" "data_events" {
  name           = "${var.name}-data-events"
  s3_bucket_name = aws_s3_bucket.trail.id
  kms_key_id     = aws_kms_key.data.arn
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

# --- unrelated resources (most of a real plan) ---------------------------------------------
locals {
  buckets = ["assets", "uploads", "exports", "logs", "reports", "backups", "media", "static", "imports", "archive"]
  topics  = ["orders", "billing", "alerts", "shipping", "refunds", "audit", "signups", "emails"]
  logs    = ["api", "batch", "worker", "cron", "migrations", "webhooks", "auth"]
}

resource "aws_s3_bucket" "app" {
  for_each = toset(local.buckets)
  bucket   = "${var.name}-${each.key}"
}

resource "aws_s3_bucket_versioning" "app" {
  for_each = aws_s3_bucket.app
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "app" {
  for_each                = aws_s3_bucket.app
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_sns_topic" "events" {
  for_each = toset(local.topics)
  name     = "${var.name}-${each.key}"
}

resource "aws_sqs_queue" "events" {
  for_each                  = toset(local.topics)
  name                      = "${var.name}-${each.key}"
  message_retention_seconds = 1209600
}

resource "aws_sns_topic_subscription" "events" {
  for_each  = toset(local.topics)
  topic_arn = aws_sns_topic.events[each.key].arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.events[each.key].arn
}

resource "aws_security_group" "service" {
  count       = 6
  name        = "${var.name}-service-${count.index}"
  description = "service tier ${count.index}"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  count             = 6
  security_group_id = aws_security_group.service[count.index].id
  cidr_ipv4         = var.vpc_cidr
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}

resource "aws_cloudwatch_log_group" "service" {
  for_each          = toset(local.logs)
  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = 30
}
