# VPC tag owner changed out of band; the plan reverts it.
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
  cidr_block = "10.33.0.0/16"
  tags = {
    Name  = "bwa-drift"
    owner = "platform"
  }
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/bwa-drift/endpoint"
  type  = "String"
  value = "v1"
}
