# One service as large stacks are made of it: a table under its own key, a Lambda function in a VPC
# reaching DynamoDB through a gateway endpoint, its role with an inline and two managed policies, and
# the monitoring around it (the account's trail and change alerts are in the root module, once).
# Twenty managed resources; some violate guardrails so every run has findings.
variable "name" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

resource "aws_kms_key" "table" {
  description         = "${var.name} table key"
  enable_key_rotation = true
}

resource "aws_kms_alias" "table" {
  name          = "alias/${var.name}-table"
  target_key_id = aws_kms_key.table.key_id
}

# violating: no point-in-time recovery
resource "aws_dynamodb_table" "items" {
  name                        = "${var.name}-items"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.table.arn
  }
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

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.private.id
}

resource "aws_security_group" "fn" {
  name   = "${var.name}-fn"
  vpc_id = aws_vpc.main.id
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
      Resource  = aws_dynamodb_table.items.arn
      Condition = { StringEquals = { "aws:PrincipalAccount" = "111122223333" } }
    }]
  })
}

# --- compute and its role -----------------------------------------------------------------
resource "aws_iam_role" "fn" {
  name = "${var.name}-fn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

# compliant: item access bound to the caller's partition, through the endpoint
resource "aws_iam_role_policy" "fn" {
  name = "items"
  role = aws_iam_role.fn.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      Resource = aws_dynamodb_table.items.arn
      Condition = {
        "ForAllValues:StringEquals" = { "dynamodb:LeadingKeys" = ["$${aws:PrincipalTag/tenant}"] }
        StringEquals                = { "aws:SourceVpce" = aws_vpc_endpoint.dynamodb.id }
      }
    }]
  })
}

# violating: Scan on the table, unconditioned
resource "aws_iam_policy" "reports" {
  name = "${var.name}-reports"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:Scan", "dynamodb:Query"]
      Resource = aws_dynamodb_table.items.arn
    }]
  })
}

resource "aws_iam_role_policy_attachment" "reports" {
  role       = aws_iam_role.fn.name
  policy_arn = aws_iam_policy.reports.arn
}

resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_lambda_function" "fn" {
  function_name = "${var.name}-fn"
  role          = aws_iam_role.fn.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "lambda.zip"
  dead_letter_config {
    target_arn = aws_sqs_queue.fn_dead_letters.arn
  }
  vpc_config {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = [aws_security_group.fn.id]
  }
  environment {
    variables = {
      TABLE = aws_dynamodb_table.items.name
    }
  }
}

# --- monitoring ---------------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "fn" {
  name              = "/aws/lambda/${var.name}-fn"
  retention_in_days = 30
}

resource "aws_sns_topic" "alerts" {
  name = "${var.name}-alerts"
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = "${var.name}-items-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ThrottledRequests"
  dimensions          = { TableName = aws_dynamodb_table.items.name, Operation = "Query" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_dynamodb_contributor_insights" "items" {
  table_name = aws_dynamodb_table.items.name
}

resource "aws_sqs_queue" "fn_dead_letters" {
  name                      = "${var.name}-fn-dead-letters"
  message_retention_seconds = 1209600
}
