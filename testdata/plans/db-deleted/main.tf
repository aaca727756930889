# db-deleted, AFTER: the database block is gone, but the app still points at
# it: its address is now hard-coded, so the app depends on it by value only.
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

locals {
  tags = { project = "blastwall-fixture", scenario = "db-deleted" }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = "orders" })
}

resource "aws_subnet" "db" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
  tags              = merge(local.tags, { Name = "orders-db-${count.index}" })
}

resource "aws_security_group" "db" {
  name        = "orders-db"
  description = "Postgres from the app"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
  tags = local.tags
}

resource "aws_db_subnet_group" "main" {
  name       = "orders"
  subnet_ids = aws_subnet.db[*].id
  tags       = local.tags
}

resource "aws_iam_role" "app" {
  name = "orders-app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
  tags = local.tags
}

resource "aws_lambda_function" "app" {
  function_name = "orders-app"
  role          = aws_iam_role.app.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "${path.module}/app.zip"
  environment {
    variables = {
      DB_HOST = "orders-db.aaaaaaaaaa.us-east-1.rds.amazonaws.com"
      DB_PORT = "5432"
      DB_NAME = "orders"
    }
  }
  tags = local.tags
}

resource "aws_ssm_parameter" "db_url" {
  name  = "/orders/db-url"
  type  = "String"
  value = "postgres://orders-db.aaaaaaaaaa.us-east-1.rds.amazonaws.com:5432/orders"
  tags  = local.tags
}

output "db_address" {
  value = "orders-db.aaaaaaaaaa.us-east-1.rds.amazonaws.com"
}
