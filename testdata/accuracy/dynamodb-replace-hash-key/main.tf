# AFTER: the hash key changes (forces replacement).
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

resource "aws_dynamodb_table" "orders" {
  name         = "bwa-ddbrep-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "order_id"

  attribute {
    name = "order_id"
    type = "S"
  }
}

resource "aws_ssm_parameter" "table" {
  name  = "/bwa-ddbrep/table"
  type  = "String"
  value = aws_dynamodb_table.orders.name
}
