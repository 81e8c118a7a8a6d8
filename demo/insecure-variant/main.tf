# The insecure variant the gate must refuse: Snowy's session table written by hand with the
# AWS-managed key, and a reader role that may Scan it. The demo and the e2e tests plan it,
# expect `ddb-guardrails validate` to fail, and then prove that none of it exists.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "account_id" {
  description = "Account of the table ARN in the reader's policy (a literal ARN, so the policy is known at plan time)."
  type        = string
  default     = "111122223333"
}

variable "endpoint" {
  description = "Local AWS emulator URL; null plans against real AWS."
  type        = string
  default     = null
}

provider "aws" {
  region                      = var.region
  skip_credentials_validation = var.endpoint != null
  skip_requesting_account_id  = var.endpoint != null
  skip_metadata_api_check     = var.endpoint != null
  s3_use_path_style           = var.endpoint != null
  max_retries                 = var.endpoint != null ? 1 : null
  endpoints {
    dynamodb = var.endpoint
    iam      = var.endpoint
    sts      = var.endpoint
  }
}

resource "aws_dynamodb_table" "sessions" {
  name                        = "snowy-sessions-insecure"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "username"
  range_key                   = "sessionId"
  deletion_protection_enabled = true
  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "username"
    type = "S"
  }
  attribute {
    name = "sessionId"
    type = "S"
  }
  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }
  point_in_time_recovery {
    enabled = true
  }
  # No kms_key_arn: DynamoDB uses the AWS-managed key aws/dynamodb.
  server_side_encryption {
    enabled = true
  }
}

resource "aws_iam_role" "reader" {
  name = "snowy-sessions-insecure-reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "reader" {
  name = "read-all-sessions"
  role = aws_iam_role.reader.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]
      Resource = "arn:aws:dynamodb:${var.region}:${var.account_id}:table/${aws_dynamodb_table.sessions.name}"
    }]
  })
}
