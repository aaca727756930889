# destructive-update/fires, BEFORE: a security group with two ingress blocks, a
# Lambda function with three environment variables (needs app.zip: the script makes it).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
}

resource "aws_vpc" "main" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_security_group" "app" {
  name        = "bw-du-fires-app"
  description = "app"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_iam_role" "app" {
  name = "bw-du-fires-app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_lambda_function" "app" {
  function_name = "bw-du-fires-app"
  role          = aws_iam_role.app.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "${path.module}/app.zip"
  environment {
    variables = {
      DB_HOST   = "orders-db.internal"
      LOG_LEVEL = "info"
      QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
    }
  }
}
