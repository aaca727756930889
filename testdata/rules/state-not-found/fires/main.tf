# AFTER: the provider region changes us-east-1 -> us-west-2.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region                      = "us-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/bw-snf-fires/endpoint"
  type  = "String"
  value = "v1"
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bw-snf-fires/flag"
  type  = "String"
  value = "on"
}

resource "aws_sqs_queue" "jobs" {
  name = "bw-snf-fires-jobs"
}

resource "aws_vpc" "main" {
  cidr_block = "10.24.0.0/16"
  tags = {
    Name = "bw-snf-fires"
  }
}
