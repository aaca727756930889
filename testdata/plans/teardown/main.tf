# teardown: applied, then planned with `terraform plan -destroy`: every
# resource is deleted (an environment teardown). Mixes AWS resources (moto)
# and terraform_data.
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
  tags = { project = "blastwall-fixture", scenario = "teardown" }
}

resource "aws_vpc" "env" {
  cidr_block = "10.40.0.0/16"
  tags       = merge(local.tags, { Name = "staging" })
}

resource "aws_subnet" "env" {
  count      = 2
  vpc_id     = aws_vpc.env.id
  cidr_block = cidrsubnet(aws_vpc.env.cidr_block, 8, count.index)
  tags       = local.tags
}

resource "aws_security_group" "web" {
  name   = "staging-web"
  vpc_id = aws_vpc.env.id
  tags   = local.tags
}

resource "aws_s3_bucket" "assets" {
  bucket = "blastwall-fixture-staging-assets"
  tags   = local.tags
}

resource "aws_dynamodb_table" "sessions" {
  name         = "staging-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  tags = local.tags
}

resource "terraform_data" "release" {
  input = {
    bucket = aws_s3_bucket.assets.bucket
    table  = aws_dynamodb_table.sessions.name
  }
}
