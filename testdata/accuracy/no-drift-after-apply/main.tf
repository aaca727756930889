# Tagged AWS resources planned right after apply: no changes.
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
  cidr_block = "10.32.0.0/16"
  tags = {
    Name = "bwa-nodrift"
    team = "platform"
  }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.32.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    Name = "bwa-nodrift-a"
  }
}

resource "aws_security_group" "app" {
  name   = "bwa-nodrift-app"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  tags = {
    Name = "bwa-nodrift-app"
  }
}

resource "aws_s3_bucket" "assets" {
  bucket = "bwa-nodrift-assets"
  tags = {
    team = "platform"
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "bwa-nodrift-jobs"
  tags = {
    team = "platform"
  }
}

resource "aws_dynamodb_table" "sessions" {
  name         = "bwa-nodrift-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }
  tags = {
    team = "platform"
  }
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/bwa-nodrift/endpoint"
  type  = "String"
  value = "v1"
  tags = {
    team = "platform"
  }
}
